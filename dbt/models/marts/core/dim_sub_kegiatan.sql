{#- Published as is: the logic lives in int_sub_kegiatan_named (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_sub_kegiatan_named') }}
