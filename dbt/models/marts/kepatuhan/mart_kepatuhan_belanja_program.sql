{#- Published as is, its columns and types checked by its contract. The logic is
    int_kepatuhan_belanja_program_measured: the models that need it read that model, never this
    table (README, "dbt layers"). -#}
select * from {{ ref('int_kepatuhan_belanja_program_measured') }}  -- noqa: AM04
