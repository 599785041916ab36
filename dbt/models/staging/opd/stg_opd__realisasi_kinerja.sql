with

source as (

    select * from {{ source('opd', 'realisasi_kinerja') }}

),

renamed as (

    select
        -- keys
        cast(tahun as integer) as tahun,
        cast(triwulan as integer) as triwulan,
        cast(kode_skpd as varchar) as kode_skpd,
        cast(tingkat as varchar) as tingkat,
        cast(kode_nomenklatur as varchar) as kode_nomenklatur,
        cast(indikator as varchar) as indikator,

        -- the nomenclature levels the code stands for
        cast(substr(kode_nomenklatur, 1, 7) as varchar) as kode_program,
        cast(
            case
                when tingkat in ('kegiatan', 'sub_kegiatan') then substr(kode_nomenklatur, 1, 12)
            end
            as varchar
        ) as kode_kegiatan,
        cast(
            case when tingkat = 'sub_kegiatan' then kode_nomenklatur end as varchar
        ) as kode_sub_kegiatan,

        -- attributes as written in the file
        cast(satuan as varchar) as satuan_asli,
        cast(arah as varchar) as arah_asli,
        cast(target_teks as varchar) as target_teks,
        cast(realisasi_teks as varchar) as realisasi_teks,
        cast(keterangan as varchar) as keterangan,

        -- numbers
        cast(target as decimal(18, 4)) as target_angka,
        cast(realisasi as decimal(18, 4)) as realisasi_angka,
        cast(realisasi_keuangan_rp as decimal(18, 2)) as realisasi_keuangan_rp,
        cast(realisasi_fisik_persen as decimal(9, 2)) as realisasi_fisik_persen,

        -- dates
        cast(tanggal_laporan as date) as tanggal_laporan,

        -- lineage
        cast(_sumber_sha256 as varchar) as sumber_sha256,
        cast(_sumber_berkas as varchar) as sumber_berkas,
        cast(_baris as integer) as sumber_baris,
        cast(_dimuat_pada as timestamp) as dimuat_pada

    from source

)

select * from renamed
