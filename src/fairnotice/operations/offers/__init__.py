"""Offers of new times: the link, the preview, the pick page's read, holds and policy."""
