-- One row per rems record of an activity, with the activity's year, provider and type.
{{ activity_child_fact('stg_pars__activity_rems') }}
