{#- Published as is: the logic lives in int_sumber_dana_resolved (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_sumber_dana_resolved') }}
