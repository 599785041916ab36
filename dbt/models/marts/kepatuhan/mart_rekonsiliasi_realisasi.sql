{#- Thin: the logic lives in int_realisasi_dilaporkan_compared_to_sp2d (its header states the
    rule). -#}
select * from {{ ref('int_realisasi_dilaporkan_compared_to_sp2d') }}  -- noqa: AM04
