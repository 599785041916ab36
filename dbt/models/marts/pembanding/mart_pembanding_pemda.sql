{#- The peer figures of every kab/kota and year (logic: int_pembanding_pemda_measured). -#}
select * from {{ ref('int_pembanding_pemda_measured') }}  -- noqa: AM04
