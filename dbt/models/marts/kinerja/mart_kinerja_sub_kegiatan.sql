{#- Published as is: the logic lives in int_kinerja_sub_kegiatan_assessed (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_kinerja_sub_kegiatan_assessed') }}
