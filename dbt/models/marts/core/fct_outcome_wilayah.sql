{#- Published as is: the logic lives in int_outcome_wilayah_compared_to_tahun_lalu (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_outcome_wilayah_compared_to_tahun_lalu') }}
