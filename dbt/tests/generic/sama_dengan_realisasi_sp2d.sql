{#-
    Money must never get lost on the way to a mart: per pemda and fiscal year, the sum of
    `column_name` over the model's rows (narrow them with the test's `where` config) equals the
    spending recognised in fct_realisasi (SP2D without UP and TU, refunds negative), to the rupiah.
    Returns each pemda-year that differs, with both totals.
-#}
{% test sama_dengan_realisasi_sp2d(model, column_name) %}

with

model_per_tahun as (

    select
        kode_pemda,
        tahun,
        sum({{ column_name }}) as jumlah_rp
    from {{ model }}
    group by kode_pemda, tahun

),

fakta as (

    select
        kode_pemda,
        tahun,
        sum(nilai_rp) as realisasi_rp
    from {{ ref('fct_realisasi') }}
    group by kode_pemda, tahun

)

select
    coalesce(model_per_tahun.kode_pemda, fakta.kode_pemda) as kode_pemda,
    coalesce(model_per_tahun.tahun, fakta.tahun) as tahun,
    model_per_tahun.jumlah_rp,
    fakta.realisasi_rp
from model_per_tahun
full outer join fakta
    on
        model_per_tahun.kode_pemda = fakta.kode_pemda
        and model_per_tahun.tahun = fakta.tahun
where coalesce(model_per_tahun.jumlah_rp, 0) <> coalesce(fakta.realisasi_rp, 0)

{% endtest %}
