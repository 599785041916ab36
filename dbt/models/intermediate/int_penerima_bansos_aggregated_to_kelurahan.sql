{#- One row per fiscal year x kelurahan: distinct beneficiaries (by NIK pseudonym, over all
    programmes) and the aid they receive, with the small-cell rule applied (lindungi_sel_kecil):
    mart_kebutuhan_wilayah publishes these counts. Margins: the kecamatan total (derivable from
    fct_penerima_bansos) and the city total per year. -#}
with

penerima as (

    select * from {{ ref('stg_dinsos__penerima_bansos') }}

),

sumber as (

    select
        kode_pemda,
        tahun,
        kode_kelurahan,
        left(kode_kelurahan, 8) as kode_kecamatan,
        count(distinct nik_hash) as jumlah_penerima,
        count(*) as jumlah_penerimaan,
        cast(sum(nilai_bantuan_rp) as decimal(18, 2)) as nilai_bantuan_rp
    from penerima
    group by kode_pemda, tahun, kode_kelurahan

),

{{ lindungi_sel_kecil(
    'jumlah_penerima',
    kunci=['kode_pemda', 'tahun', 'kode_kelurahan'],
    garis=[['kode_pemda', 'tahun', 'kode_kecamatan'], ['kode_pemda', 'tahun']]
) }},

final as (

    select
        kode_pemda,
        tahun,
        kode_kelurahan,
        kode_kecamatan,
        case when not is_disembunyikan then jumlah_penerima end as jumlah_penerima,
        case when not is_disembunyikan then jumlah_penerimaan end as jumlah_penerimaan,
        case when not is_disembunyikan then nilai_bantuan_rp end as nilai_bantuan_rp,
        is_disembunyikan,
        alasan_disembunyikan
    from terlindungi

)

select * from final
