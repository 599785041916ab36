{#- Published as is, its columns and types checked by its contract. The logic is
    int_pohon_kinerja_joined: the models that need it read that model, never this
    table (README, "dbt layers"). -#}
select * from {{ ref('int_pohon_kinerja_joined') }}  -- noqa: AM04
