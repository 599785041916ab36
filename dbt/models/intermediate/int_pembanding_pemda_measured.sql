{#- One row per kab/kota and year of DJPK's national APBD file: spending per capita, the shares
    of belanja by kind, fiscal independence (PAD share of revenue) and dependence on transfers,
    and the latest measured BPS outcomes (not projections) with their change since the earliest
    measured year at most three years before (embedded files: IPM 2019 to 2021, P0 2018 to
    2021). -#}
with

pemda as (

    select * from {{ ref('ref_pemda') }}
    where jenis in ('kabupaten', 'kota')

),

apbd as (

    select * from {{ ref('int_apbd_pemda_summed_to_kelompok') }}

),

indikator as (

    select
        kode_bps,
        nama_indikator,
        tahun,
        nilai,
        first_value(nilai) over tiga_tahun as nilai_awal,
        first_value(tahun) over tiga_tahun as tahun_awal,
        row_number() over (partition by kode_bps, nama_indikator order by tahun desc)
        = 1 as is_terakhir
    from {{ ref('stg_bps__indikator_kabkota') }}
    where not is_proyeksi and periode in ('00', '03', '08')
    window tiga_tahun as (
        partition by kode_bps, nama_indikator order by tahun
        range between 3 preceding and current row
    )

),

terakhir as (

    select
        kode_bps,
        max(nilai) filter (where nama_indikator = 'ind1_ipm') as ipm,
        max(tahun) filter (where nama_indikator = 'ind1_ipm') as tahun_ipm,
        max(nilai - nilai_awal) filter (
            where nama_indikator = 'ind1_ipm' and tahun_awal < tahun
        ) as perubahan_ipm,
        max(tahun_awal) filter (where nama_indikator = 'ind1_ipm' and tahun_awal < tahun)
            as tahun_awal_perubahan_ipm,
        max(nilai) filter (where nama_indikator = 'ind1_tingkatmiskin') as persen_miskin,
        max(tahun) filter (where nama_indikator = 'ind1_tingkatmiskin') as tahun_persen_miskin,
        max(nilai - nilai_awal) filter (
            where nama_indikator = 'ind1_tingkatmiskin' and tahun_awal < tahun
        ) as perubahan_persen_miskin,
        max(tahun_awal) filter (
            where nama_indikator = 'ind1_tingkatmiskin' and tahun_awal < tahun
        ) as tahun_awal_perubahan_persen_miskin,
        max(nilai) filter (where nama_indikator = 'ind1_tpt') as tpt,
        max(tahun) filter (where nama_indikator = 'ind1_tpt') as tahun_tpt
    from indikator
    where is_terakhir
    group by kode_bps

)

select
    pemda.kode_pemda,
    pemda.nama_pemda,
    pemda.jenis,
    pemda.nama_provinsi,
    pemda.pulau,
    apbd.tahun,
    pemda.penduduk,
    cast(apbd.belanja_rp as decimal(18, 2)) as belanja_rp,
    cast(apbd.pendapatan_rp as decimal(18, 2)) as pendapatan_rp,
    cast(apbd.belanja_rp / pemda.penduduk as decimal(18, 2)) as belanja_per_kapita_rp,
    cast(apbd.pendapatan_rp / pemda.penduduk as decimal(18, 2)) as pendapatan_per_kapita_rp,
    {{ persen_half_up('apbd.belanja_pegawai_rp', 'apbd.belanja_rp') }}
        as porsi_belanja_pegawai_persen,
    {{ persen_half_up('apbd.belanja_barang_jasa_rp', 'apbd.belanja_rp') }}
        as porsi_belanja_barang_jasa_persen,
    {{ persen_half_up('apbd.belanja_modal_rp', 'apbd.belanja_rp') }} as porsi_belanja_modal_persen,
    {{ persen_half_up('apbd.belanja_bansos_rp', 'apbd.belanja_rp') }}
        as porsi_belanja_bansos_persen,
    {{ persen_half_up('apbd.belanja_hibah_rp', 'apbd.belanja_rp') }} as porsi_belanja_hibah_persen,
    {{ persen_half_up('apbd.belanja_transfer_rp', 'apbd.belanja_rp') }}
        as porsi_belanja_transfer_persen,
    {{ persen_half_up('apbd.pad_rp', 'apbd.pendapatan_rp') }} as porsi_pad_persen,
    {{ persen_half_up('apbd.transfer_masuk_rp', 'apbd.pendapatan_rp') }}
        as porsi_transfer_masuk_persen,
    terakhir.ipm,
    terakhir.tahun_ipm,
    cast(terakhir.perubahan_ipm as decimal(20, 4)) as perubahan_ipm,
    terakhir.tahun_awal_perubahan_ipm,
    terakhir.persen_miskin,
    terakhir.tahun_persen_miskin,
    cast(terakhir.perubahan_persen_miskin as decimal(20, 4)) as perubahan_persen_miskin,
    terakhir.tahun_awal_perubahan_persen_miskin,
    terakhir.tpt,
    terakhir.tahun_tpt
from pemda
inner join apbd
    on pemda.kode_djpk = apbd.kode_djpk
left join terakhir
    on pemda.kode_bps = terakhir.kode_bps
