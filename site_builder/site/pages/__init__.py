"""Page text for the website: evaluated results → Markdown. No MkDocs imports, so each page is unit-testable."""
