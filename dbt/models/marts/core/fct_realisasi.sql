{#- Published as is, its columns and types checked by its contract. The logic is
    int_sp2d_recognised_as_belanja: the models that need it read that model, never this
    table (README, "dbt layers"). -#}
select * from {{ ref('int_sp2d_recognised_as_belanja') }}  -- noqa: AM04
