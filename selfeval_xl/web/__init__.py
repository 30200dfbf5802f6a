"""The local web page (``selfeval serve``, SPEC §9): the same engine as the CLI behind a page
for people who never open a terminal. ``server`` runs it, ``app`` answers requests, ``guard``
decides who may ask, ``uploads`` receives files safely, ``jobs`` scores them; the page itself
is ``static/`` (plain HTML, JS and CSS: no build step, nothing from the internet)."""
