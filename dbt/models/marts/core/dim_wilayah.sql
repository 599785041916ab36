{#- Published as is: the logic lives in int_wilayah_typed (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_wilayah_typed') }}
