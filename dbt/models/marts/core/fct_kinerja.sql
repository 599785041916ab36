{#- Published as is, its columns and types checked by its contract. The logic is
    int_kinerja_flagged_latest: the models that need it read that model, never this
    table (README, "dbt layers"). -#}
select * from {{ ref('int_kinerja_flagged_latest') }}  -- noqa: AM04
