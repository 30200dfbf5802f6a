"""The names ``--layout`` accepts: ``auto`` and one per layout in ``layouts.LAYOUTS``, in the
order ``auto`` tries them. Apart from ``layouts`` so that the command line knows them without
loading the readers; a test keeps the two lists the same."""

AUTO = "auto"
LAYOUT_NAMES = (AUTO, "template", "form")
