{#- Published as is, its columns and types checked by its contract. The logic is
    int_outcome_wilayah_compared_to_tahun_lalu: the models that need it read that model, never this
    table (README, "dbt layers"). -#}
select * from {{ ref('int_outcome_wilayah_compared_to_tahun_lalu') }}  -- noqa: AM04
