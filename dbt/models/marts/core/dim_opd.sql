{#- Published as is: the logic lives in int_opd_resolved (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_opd_resolved') }}
