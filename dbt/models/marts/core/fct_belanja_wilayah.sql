{#- Published as is, its columns and types checked by its contract. The logic is
    int_belanja_split_to_wilayah: the models that need it read that model, never this
    table (README, "dbt layers"). -#}
select * from {{ ref('int_belanja_split_to_wilayah') }}  -- noqa: AM04
