{#- Every kab/kota's peers by group (logic: int_kelompok_pembanding_listed). -#}
select * from {{ ref('int_kelompok_pembanding_listed') }}  -- noqa: AM04
