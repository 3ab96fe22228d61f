"""Predictive retention: BG/NBD and Gamma-Gamma (`fitting`, numpy and scipy), the SQL
pass they read (`histories`), the nightly fit and scores (`services`) and the reads of
the pages (`selectors`). Only `fitting` and `services` load numpy and scipy."""

# a + b, and q, stop here: beyond it the Beta (Gamma) spread is so narrow that every
# customer has one dropout probability (spend level). Read by the fit and the pages.
CONCENTRATION_CAP = 1e4
