{#- Published as is: the logic lives in int_pohon_kinerja_joined (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_pohon_kinerja_joined') }}
