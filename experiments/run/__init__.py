"""One model run: the step-and-collect loop every driver uses (:mod:`.loop`), the run
folder (:mod:`.runfolder`), its tables, provenance, summary and figures.

Light on purpose: importing this package imports nothing heavy.
"""
