{#- Published as is: the logic lives in int_kepatuhan_belanja_program_measured (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_kepatuhan_belanja_program_measured') }}
