// Reads a JSON array of iCalendar texts on stdin; prints, for each, what ical.js (the
// parser Thunderbird uses) makes of it: METHOD, and per VEVENT its UID, SEQUENCE, start and
// end as UTC instants, STATUS, attendees and their PARTSTAT, SUMMARY, LOCATION, COMMENT.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const texts = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const results = texts.map((text) => {
  try {
    const root = new ICAL.Component(ICAL.parse(text));
    for (const vtz of root.getAllSubcomponents("vtimezone")) {
      ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
    }
    const events = root.getAllSubcomponents("vevent").map((vevent) => {
      const event = new ICAL.Event(vevent);
      const timed = vevent.hasProperty("dtstart");
      return {
        uid: event.uid,
        sequence: event.sequence,
        start: timed ? event.startDate.toJSDate().toISOString() : null,
        end: timed ? event.endDate.toJSDate().toISOString() : null,
        tzid: timed ? event.startDate.zone.tzid : null,
        status: vevent.getFirstPropertyValue("status"),
        summary: event.summary,
        location: event.location,
        comment: vevent.getAllProperties("comment").map((p) => p.getFirstValue()),
        organizer: vevent.getFirstPropertyValue("organizer"),
        attendees: vevent.getAllProperties("attendee").map((p) => ({
          address: p.getFirstValue(),
          cn: p.getParameter("cn") ?? null,
          partstat: p.getParameter("partstat") ?? null,
        })),
        properties: vevent.getAllProperties().map((p) => p.name),
      };
    });
    return {
      ok: true,
      method: root.getFirstPropertyValue("method"),
      components: root.getAllSubcomponents().map((c) => c.name),
      events,
    };
  } catch (error) {
    return { ok: false, error: String(error) };
  }
});
process.stdout.write(JSON.stringify(results));
