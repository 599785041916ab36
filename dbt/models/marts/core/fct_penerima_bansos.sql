{#- One row per fiscal year x kecamatan x assistance programme x age band x sex: how many
    beneficiaries and how much aid. Aggregated on purpose: NIK, name and birth date never left
    ingest, not even their pseudonym is published, and no cell shows fewer people than the
    threshold of ref_ambang_sel_kecil (macro lindungi_sel_kecil).

    Grain: kecamatan, not kelurahan. At kelurahan grain the demo has 897 cells, 324 of them under
    5 people; with secondary suppression 689 (77 %) would be blank. At kecamatan grain none is
    under 5, and kelurahan totals stay published (suppressed by the same rule) in
    mart_kebutuhan_wilayah. Margins: each one-dimensional line within a year, the kecamatan total
    (derivable from mart_kebutuhan_wilayah) and the city total per programme (from SP2D). -#}
with

penerima as (

    select * from {{ ref('stg_dinsos__penerima_bansos') }}

),

sumber as (

    select
        kode_pemda,
        tahun,
        left(kode_kelurahan, 8) as kode_kecamatan,
        program_bansos,
        kelompok_umur,
        jenis_kelamin,
        max(kode_sub_kegiatan) as kode_sub_kegiatan,
        cast(count(*) as integer) as jumlah_penerima,
        cast(sum(nilai_bantuan_rp) as decimal(18, 2)) as nilai_bantuan_rp,
        {{ sumber_sha256_agg('sumber_sha256') }} as sumber_sha256
    from penerima
    group by
        kode_pemda, tahun, left(kode_kelurahan, 8), program_bansos, kelompok_umur, jenis_kelamin

),

{{ lindungi_sel_kecil(
    'jumlah_penerima',
    kunci=['kode_pemda', 'tahun', 'kode_kecamatan', 'program_bansos', 'kelompok_umur', 'jenis_kelamin'],
    garis=[
        ['kode_pemda', 'tahun', 'program_bansos', 'kelompok_umur', 'jenis_kelamin'],
        ['kode_pemda', 'tahun', 'kode_kecamatan', 'kelompok_umur', 'jenis_kelamin'],
        ['kode_pemda', 'tahun', 'kode_kecamatan', 'program_bansos', 'jenis_kelamin'],
        ['kode_pemda', 'tahun', 'kode_kecamatan', 'program_bansos', 'kelompok_umur'],
        ['kode_pemda', 'tahun', 'kode_kecamatan'],
        ['kode_pemda', 'tahun', 'program_bansos'],
    ]
) }},

final as (

    select
        kode_pemda,
        tahun,
        kode_kecamatan,
        program_bansos,
        kelompok_umur,
        jenis_kelamin,
        kode_sub_kegiatan,
        case when not is_disembunyikan then jumlah_penerima end as jumlah_penerima,
        case when not is_disembunyikan then nilai_bantuan_rp end as nilai_bantuan_rp,
        is_disembunyikan,
        alasan_disembunyikan,
        sumber_sha256
    from terlindungi

)

select * from final
