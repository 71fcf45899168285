// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  const text = "value" in source ? source.value : source.innerText;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    if ("select" in source) { source.select(); document.execCommand("copy"); }
  }
  const label = button.textContent;
  button.textContent = "✓ " + label;
  button.setAttribute("aria-live", "polite");
  setTimeout(() => { button.textContent = label; }, 2000);
});
document.addEventListener("DOMContentLoaded", () => {
  // what works only with JavaScript (copy buttons) is rendered hidden and shown here
  for (const element of document.querySelectorAll("[data-needs-js][hidden]")) element.hidden = false;
  const problems = document.querySelector(".problems[tabindex]");  // a refused form: its summary first
  if (problems) problems.focus();
  for (const input of document.querySelectorAll("input[data-detect-zone]")) {
    try { input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || input.value; } catch {}
  }
  for (const select of document.querySelectorAll("#lang-switch")) {
    select.addEventListener("change", () => select.form.submit());
  }
});
