"""Reports on a store: statistics, plots, contact sheets and one self-contained HTML file
(``simengine report``, ``simengine contact-sheet``)."""
