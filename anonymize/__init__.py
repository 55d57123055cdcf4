"""anonymize: privacy policies, the optimal generalization search, local recoding and risk reports.

policy.py (YAML policy) -> hierarchy.py (ARX files, builders) -> transform.py (coded frequency table,
node evaluation) -> objectives.py (loss, granularity, entropy) -> lattice.py (exact pruned search) ->
local_recoding.py -> metrics.py (risk and quality) -> engine.py (pipeline, `pars anonymize`).
"""
