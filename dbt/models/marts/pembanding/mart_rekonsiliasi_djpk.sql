{#- Where the city's own warehouse meets DJPK (issue 13 §6): the city's belanja per jenis account
    (Permendagri 90 level 3, 5.1.01 belanja pegawai …), summed from its own DPA murni line items,
    side by side with what DJPK's national APBD file (also the planned APBD murni) says for the
    same pemda (every pemda of the warehouse, mapped to its DJPK code by ref_pemda; a pemda DJPK's
    file lacks, such as Kab. Toba, has none and is listed, never compared) and year: the
    difference in rupiah and percent. A year only one side has is listed with status_perbandingan saying
    which side is missing, never left out: with the demo (2024–2025) and the embedded DJPK file
    (2023) no year is compared, and the table says so. Within a year both sides have, an account
    one side lacks counts as Rp0 on that side (both sides are whole budgets). -#}
with

kota as (

    select
        pemda.kode_pemda,
        pemda.nama_pemda,
        pemda.kode_djpk
    from {{ ref('ref_pemda') }} as pemda
    where pemda.kode_pemda in (
            select anggaran.kode_pemda from {{ ref('int_anggaran_summed_to_akun') }} as anggaran
        )

),

gudang as (

    select
        anggaran.kode_pemda,
        anggaran.tahun,
        left(anggaran.kode_akun, 6) as kode_akun,
        cast(sum(anggaran.pagu_rp) as decimal(18, 2)) as nilai_rp
    from {{ ref('int_anggaran_summed_to_akun') }} as anggaran
    where anggaran.tahap = 'murni'
    group by anggaran.kode_pemda, anggaran.tahun, left(anggaran.kode_akun, 6)

),

djpk as (

    select
        kota.kode_pemda,
        apbd.tahun,
        apbd.kode_akun,
        cast(sum(apbd.nilai_rp) as decimal(18, 2)) as nilai_rp
    from {{ ref('stg_djpk__apbd_pemda') }} as apbd
    inner join kota
        on apbd.kode_djpk = kota.kode_djpk
    where apbd.kode_akun like '5.%'
    group by kota.kode_pemda, apbd.tahun, apbd.kode_akun

),

tahun_gudang as (

    select distinct
        kode_pemda,
        tahun
    from gudang

),

tahun_djpk as (

    select distinct
        kode_pemda,
        tahun
    from djpk

),

berdampingan as (

    select
        coalesce(gudang.kode_pemda, djpk.kode_pemda) as kode_pemda,
        coalesce(gudang.tahun, djpk.tahun) as tahun,
        coalesce(gudang.kode_akun, djpk.kode_akun) as kode_akun,
        gudang.nilai_rp as gudang_rp,
        djpk.nilai_rp as djpk_rp
    from gudang
    full outer join djpk
        on
            gudang.kode_pemda = djpk.kode_pemda
            and gudang.tahun = djpk.tahun
            and gudang.kode_akun = djpk.kode_akun

),

berstatus as (

    select
        berdampingan.kode_pemda,
        berdampingan.tahun,
        berdampingan.kode_akun,
        case
            when tahun_gudang.tahun is not null and tahun_djpk.tahun is not null
                then 'dibandingkan'
            when tahun_djpk.tahun is null then 'tahun_tidak_ada_di_djpk'
            else 'tahun_tidak_ada_di_gudang'
        end as status_perbandingan,
        case
            when tahun_gudang.tahun is not null
                then coalesce(berdampingan.gudang_rp, 0)
        end as gudang_rp,
        case
            when tahun_djpk.tahun is not null
                then coalesce(berdampingan.djpk_rp, 0)
        end as djpk_rp
    from berdampingan
    left join tahun_gudang
        on
            berdampingan.kode_pemda = tahun_gudang.kode_pemda
            and berdampingan.tahun = tahun_gudang.tahun
    left join tahun_djpk
        on
            berdampingan.kode_pemda = tahun_djpk.kode_pemda
            and berdampingan.tahun = tahun_djpk.tahun

),

tahun_ada as (

    select
        kota.kode_pemda,
        (
            select string_agg(cast(tahun_djpk.tahun as varchar), ', ' order by tahun_djpk.tahun)
            from tahun_djpk
            where tahun_djpk.kode_pemda = kota.kode_pemda
        ) as tahun_djpk,
        (
            select string_agg(cast(tahun_gudang.tahun as varchar), ', ' order by tahun_gudang.tahun)
            from tahun_gudang
            where tahun_gudang.kode_pemda = kota.kode_pemda
        ) as tahun_gudang
    from kota

)

select
    kota.kode_pemda,
    kota.nama_pemda,
    kota.kode_djpk,
    berstatus.tahun,
    'murni' as tahap,
    berstatus.kode_akun,
    akun.nama_akun,
    berstatus.status_perbandingan,
    cast(berstatus.gudang_rp as decimal(18, 2)) as gudang_rp,
    cast(berstatus.djpk_rp as decimal(18, 2)) as djpk_rp,
    cast(berstatus.gudang_rp - berstatus.djpk_rp as decimal(18, 2)) as selisih_rp,
    {{ persen_half_up(
        'berstatus.gudang_rp - berstatus.djpk_rp', 'berstatus.djpk_rp', tipe='decimal(12, 2)'
    ) }} as selisih_persen,
    case
        when berstatus.status_perbandingan = 'dibandingkan'
            then 'Pagu murni gudang data dibandingkan dengan berkas DJPK tahun ini.'
        when berstatus.status_perbandingan = 'tahun_tidak_ada_di_djpk' and kota.kode_djpk is null
            then 'Berkas APBD DJPK tidak memuat ' || {{ jenis_pemda('berstatus.kode_pemda') }}
                || ' ini (ref_pemda tidak mencatat kode DJPK-nya); tahun ' || berstatus.tahun
                || ' tidak dibandingkan.'
        when berstatus.status_perbandingan = 'tahun_tidak_ada_di_djpk'
            then 'Tahun ' || berstatus.tahun || ' tidak ada di berkas APBD DJPK (tahun di berkas: '
                || coalesce(tahun_ada.tahun_djpk, 'tidak ada') || '); tidak dibandingkan.'
        else 'Tahun ' || berstatus.tahun || ' tidak ada di gudang data '
            || {{ jenis_pemda('berstatus.kode_pemda') }} || ' (tahun di gudang: '
            || coalesce(tahun_ada.tahun_gudang, 'tidak ada') || '); tidak dibandingkan.'
    end as keterangan
from berstatus
inner join kota
    on berstatus.kode_pemda = kota.kode_pemda
inner join tahun_ada
    on berstatus.kode_pemda = tahun_ada.kode_pemda
left join {{ ref('ref_akun') }} as akun
    on berstatus.kode_akun = akun.kode_akun and akun.tahun_selesai is null
