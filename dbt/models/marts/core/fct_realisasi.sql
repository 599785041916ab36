{#- Published as is: the logic lives in int_sp2d_recognised_as_belanja (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_sp2d_recognised_as_belanja') }}
