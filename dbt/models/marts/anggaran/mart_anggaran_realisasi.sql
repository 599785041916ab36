{#- Published as is: the logic lives in int_anggaran_realisasi_joined (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_anggaran_realisasi_joined') }}
