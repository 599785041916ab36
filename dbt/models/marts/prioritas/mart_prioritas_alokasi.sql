{#- Published as is, its columns and types checked by its contract. The logic is
    int_prioritas_alokasi_tiered: the models that need it read that model, never this
    table (README, "dbt layers"). -#}
select * from {{ ref('int_prioritas_alokasi_tiered') }}  -- noqa: AM04
