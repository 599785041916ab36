{#- Published as is: the logic lives in int_kebutuhan_wilayah_ranked (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_kebutuhan_wilayah_ranked') }}
