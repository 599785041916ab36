{#- Published as is: the logic lives in int_prioritas_alokasi_tiered (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_prioritas_alokasi_tiered') }}
