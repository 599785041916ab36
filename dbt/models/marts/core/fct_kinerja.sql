{#- Published as is: the logic lives in int_kinerja_flagged_latest (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_kinerja_flagged_latest') }}
