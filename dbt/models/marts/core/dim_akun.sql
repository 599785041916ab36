{#- Published as is: the logic lives in int_akun_resolved (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_akun_resolved') }}
