{#- One row per fiscal year x quarter reported x OPD x sub kegiatan with a self-reported
    realisation or SP2D paid: the `realisasi_keuangan_rp` of the OPD's quarterly performance
    report (sub kegiatan rows; the largest figure when several indicators repeat it) against the
    SP2D recognised as spending (int_sp2d_recognised_as_belanja: the LRA rule, UP and TU advances
    left out) dated up to the quarter's end, cumulative. A quarter is compared once any OPD has
    reported it. The tolerance is reference.ref_toleransi_rekonsiliasi: within the larger of its
    percent of SP2D and its minimum in rupiah, the figures agree (cocok). -#}
{{ config(materialized='irisan_pemda') }}
with

laporan as (

    select
        kode_pemda,
        tahun,
        triwulan,
        kode_skpd,
        kode_sub_kegiatan,
        max(realisasi_keuangan_rp) as dilaporkan_rp,
        max(tanggal_laporan) as tanggal_laporan,
        {{ sumber_sha256_agg('sumber_sha256') }} as sumber_sha256
    from {{ ref('int_realisasi_kinerja_normalised') }}
    where tingkat = 'sub_kegiatan'
    group by kode_pemda, tahun, triwulan, kode_skpd, kode_sub_kegiatan

),

triwulan as (

    select distinct
        kode_pemda,
        tahun,
        triwulan,
        last_day(make_date(tahun, triwulan * 3, 1)) as akhir_triwulan
    from laporan

),

sp2d as (

    select
        triwulan.kode_pemda,
        triwulan.tahun,
        triwulan.triwulan,
        sp2d.kode_skpd,
        sp2d.kode_sub_kegiatan,
        sum(sp2d.nilai_rp) as sp2d_rp,
        count(*) as jumlah_sp2d,
        {{ sumber_sha256_agg('sp2d.sumber_sha256') }} as sumber_sha256
    from triwulan
    inner join {{ ref('int_sp2d_recognised_as_belanja') }} as sp2d
        on
            triwulan.kode_pemda = sp2d.kode_pemda
            and triwulan.tahun = sp2d.tahun
            and triwulan.akhir_triwulan >= sp2d.tanggal_sp2d
    group by
        triwulan.kode_pemda,
        triwulan.tahun,
        triwulan.triwulan,
        sp2d.kode_skpd,
        sp2d.kode_sub_kegiatan

),

aturan as (

    select
        cast(toleransi_persen as decimal(5, 2)) as toleransi_persen,
        cast(toleransi_minimum_rp as decimal(18, 2)) as toleransi_minimum_rp
    from {{ ref('ref_toleransi_rekonsiliasi') }}
    where kode_aturan = 'rekonsiliasi_realisasi'

),

digabung as (

    select
        coalesce(laporan.kode_pemda, sp2d.kode_pemda) as kode_pemda,
        coalesce(laporan.tahun, sp2d.tahun) as tahun,
        coalesce(laporan.triwulan, sp2d.triwulan) as triwulan,
        coalesce(laporan.kode_skpd, sp2d.kode_skpd) as kode_skpd,
        coalesce(laporan.kode_sub_kegiatan, sp2d.kode_sub_kegiatan) as kode_sub_kegiatan,
        laporan.kode_skpd is not null as ada_laporan,
        laporan.dilaporkan_rp,
        laporan.tanggal_laporan,
        coalesce(sp2d.sp2d_rp, 0) as sp2d_rp,
        coalesce(sp2d.jumlah_sp2d, 0) as jumlah_sp2d,
        array_to_string(
            list_sort(list_distinct([laporan.sumber_sha256, sp2d.sumber_sha256])), ','
        ) as sumber_sha256
    from laporan
    full outer join sp2d
        on
            laporan.kode_pemda = sp2d.kode_pemda
            and laporan.tahun = sp2d.tahun
            and laporan.triwulan = sp2d.triwulan
            and laporan.kode_skpd = sp2d.kode_skpd
            and laporan.kode_sub_kegiatan = sp2d.kode_sub_kegiatan

),

diukur as (

    select
        digabung.*,
        triwulan.akhir_triwulan,
        aturan.toleransi_persen,
        aturan.toleransi_minimum_rp,
        greatest(
            aturan.toleransi_minimum_rp,
            cast(abs(digabung.sp2d_rp) * aturan.toleransi_persen / 100 as decimal(18, 2))
        ) as toleransi_rp,
        case
            when digabung.dilaporkan_rp is not null
                then digabung.dilaporkan_rp - digabung.sp2d_rp
        end as selisih_rp
    from digabung
    inner join triwulan
        on
            digabung.kode_pemda = triwulan.kode_pemda
            and digabung.tahun = triwulan.tahun
            and digabung.triwulan = triwulan.triwulan
    cross join aturan
    where digabung.dilaporkan_rp is not null or digabung.sp2d_rp <> 0

),

berstatus as (

    select
        *,
        case
            when dilaporkan_rp is null then 'sp2d_tanpa_laporan'
            when dilaporkan_rp > 0 and sp2d_rp <= 0 then 'dilaporkan_tanpa_sp2d'
            when abs(selisih_rp) <= toleransi_rp then 'cocok'
            else 'selisih'
        end as status,
        case
            when selisih_rp > 0 then 'lebih'
            when selisih_rp < 0 then 'kurang'
        end as arah_selisih,
        'triwulan ' || cast(triwulan as varchar) || ' (s.d. '
        || cast(day(akhir_triwulan) as varchar) || ' '
        || ['Maret', 'Juni', 'September', 'Desember'][triwulan] || ' '
        || cast(tahun as varchar) || ')' as teks_triwulan
    from diukur

),

final as (

    select
        kode_pemda,
        tahun,
        triwulan,
        akhir_triwulan,
        kode_skpd,
        kode_sub_kegiatan,
        substr(kode_sub_kegiatan, 1, 7) as kode_program,
        status,
        arah_selisih,
        cast(dilaporkan_rp as decimal(18, 2)) as dilaporkan_rp,
        cast(sp2d_rp as decimal(18, 2)) as sp2d_rp,
        cast(selisih_rp as decimal(18, 2)) as selisih_rp,
        {{ persen_half_up('selisih_rp', 'nullif(sp2d_rp, 0)', tipe='decimal(12, 2)') }}
            as selisih_persen,
        toleransi_persen,
        cast(toleransi_rp as decimal(18, 2)) as toleransi_rp,
        cast(jumlah_sp2d as integer) as jumlah_sp2d,
        ada_laporan,
        tanggal_laporan,
        case status
            when 'sp2d_tanpa_laporan'
                then 'SP2D yang diakui sebagai belanja s.d. ' || teks_triwulan || ' '
                    || {{ rupiah_teks('sp2d_rp') }} || ', tetapi '
                    || case
                        when ada_laporan
                            then 'laporan triwulan OPD tidak mengisi realisasi keuangan '
                                || 'sub kegiatan ini.'
                        else 'sub kegiatan ini tidak ada dalam laporan triwulan OPD.'
                    end
            when 'dilaporkan_tanpa_sp2d'
                then 'OPD melaporkan realisasi keuangan ' || {{ rupiah_teks('dilaporkan_rp') }}
                    || ' s.d. ' || teks_triwulan
                    || ', tetapi belum ada SP2D yang diakui sebagai belanja untuk sub kegiatan ini.'
            else
                'OPD melaporkan ' || {{ rupiah_teks('dilaporkan_rp') }} || ' s.d. '
                || teks_triwulan || '; SP2D yang diakui sebagai belanja '
                || {{ rupiah_teks('sp2d_rp') }} || ' (' || cast(jumlah_sp2d as varchar)
                || ' dokumen): '
                || case
                    when selisih_rp = 0 then 'sama persis.'
                    else
                        'dilaporkan ' || arah_selisih || ' '
                        || {{ rupiah_teks('abs(selisih_rp)') }}
                        || coalesce(
                            ' (' || {{ persen_teks(
                                persen_half_up('abs(selisih_rp)', 'nullif(sp2d_rp, 0)')
                            ) }} || ' dari SP2D)', ''
                        )
                        || case
                            when status = 'cocok' then ', masih dalam toleransi '
                            else ', di luar toleransi '
                        end
                        || {{ rupiah_teks('toleransi_rp') }} || ' ('
                        || {{ persen_teks('toleransi_persen') }} || ' dari SP2D, minimal '
                        || {{ rupiah_teks('toleransi_minimum_rp') }} || ').'
                end
        end as alasan,
        sumber_sha256
    from berstatus

)

select * from final
