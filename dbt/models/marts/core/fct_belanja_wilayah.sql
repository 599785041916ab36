{#- Published as is: the logic lives in int_belanja_split_to_wilayah (the layer rule: what another model
    needs is an intermediate model). -#}
select * from {{ ref('int_belanja_split_to_wilayah') }}
