{#- One row per recognised spending document (int_sp2d_recognised_as_belanja, the LRA rule) with
    its recipient as the treasury recorded it: kode_penerima is a company's or a government
    office's 16-digit NPWP, or the pseudonym of an individual's NPWP/NIK (ingest never stores the
    NIK: lib/ingest/pseudonymise.py); nama_penerima is empty for an individual. label_penerima is
    what a review list may print: the name and NPWP of a company, never more than "orang pribadi"
    and the first 8 characters of the pseudonym for a person. -#}
{{ config(materialized='irisan_pemda') }}
with

belanja as (

    select * from {{ ref('int_sp2d_recognised_as_belanja') }}

),

penerima as (

    select
        kode_pemda,
        tahun,
        nomor_sp2d,
        kode_penerima,
        nama_penerima
    from {{ ref('stg_bpkad__sp2d') }}

),

final as (

    select
        belanja.kode_pemda,
        belanja.nomor_sp2d,
        belanja.tanggal_sp2d,
        belanja.tahun,
        belanja.bulan,
        belanja.kode_skpd,
        belanja.kode_sub_kegiatan,
        belanja.kode_akun,
        belanja.kode_sumber_dana,
        belanja.jenis_sp2d,
        belanja.keterangan,
        belanja.nilai_rp,
        belanja.sumber_sha256,
        belanja.sumber_berkas,
        belanja.sumber_baris,
        penerima.kode_penerima,
        penerima.nama_penerima,
        case
            when penerima.kode_penerima is null then 'tidak_tercatat'
            when length(penerima.kode_penerima) = 64 then 'orang_pribadi'
            when penerima.kode_penerima like '000%' then 'instansi_pemerintah'
            else 'badan'
        end as jenis_penerima,
        case
            when penerima.kode_penerima is null then 'penerima tidak tercatat'
            when length(penerima.kode_penerima) = 64
                then 'orang pribadi (samaran ' || left(penerima.kode_penerima, 8) || ')'
            else
                coalesce(penerima.nama_penerima, 'badan tanpa nama')
                || ' (NPWP ' || penerima.kode_penerima || ')'
        end as label_penerima
    from belanja
    left join penerima
        on
            belanja.kode_pemda = penerima.kode_pemda
            and belanja.tahun = penerima.tahun
            and belanja.nomor_sp2d = penerima.nomor_sp2d

)

select * from final
