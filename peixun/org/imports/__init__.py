"""Excel import and export of units and cadres.

columns (the sheet layout), cells (cell parsing), reader (upload checks and row reading), units and cadres
(whole-file validation and the bulk write), workbooks (template, export, error report), services (the
ImportJob life cycle and exports), selectors, tasks (background jobs).
"""
