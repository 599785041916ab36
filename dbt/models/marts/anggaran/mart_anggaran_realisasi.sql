{#- Published as is, its columns and types checked by its contract. The logic is
    int_anggaran_realisasi_joined: the models that need it read that model, never this
    table (README, "dbt layers"). -#}
select * from {{ ref('int_anggaran_realisasi_joined') }}  -- noqa: AM04
