{#- One row per fiscal year x phase (murni, pergeseran_N, perubahan: the budget position at that
    phase; realisasi: SP2D) x OPD x program: total belanja and the parts that count towards each
    mandatory-spending rule in reference.ref_belanja_wajib. mart_kepatuhan_belanja sums these
    parts city-wide; the scenario engine reads them per program.

    The code lists of the definitions live here, once, in the `ditandai` CTE (the seed describes
    them in words):
    - infrastructure (UU HKPD Pasal 147: belanja infrastruktur pelayanan publik, i.e. building
      and maintaining public-service and economic facilities): the account classification is
      data, reference.ref_infrastruktur_akun; the longest matching account prefix decides whether
      a line counts and whether only outside the support program U.BB.01 (capital land, buildings
      and roads/networks, and maintenance of buildings and roads/networks, in service programs;
      never equipment, official travel or general goods and services);
    - belanja pegawai under UU HKPD Pasal 146 excludes teacher allowances paid from TKD, i.e.
      5.1.01 lines funded by DAK Non Fisik TPG, Tamsil and TKG;
    - education and health by fungsi (08, 06), through the bidang urusan of the sub kegiatan.
    What the allocation scenario may not move (lib/planning/scenario.py), per program, outside
    staff (5.1.01), transfers (5.4) and BTT: spending from an earmarked source (the longest
    prefix of kode_sumber_dana in ref_sumber_dana_terikat) and the rest of the operating spending
    (not capital 5.2) of SPM sub kegiatan (ref_spm_sub_kegiatan); BTT (5.3) on its own. -#}
{{ config(materialized='irisan_pemda') }}

with

anggaran as (

    select
        kode_pemda,
        tahun,
        tahap,
        urutan_tahap,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        pagu_rp as nilai_rp,
        sumber_sha256
    from {{ ref('int_anggaran_carried_to_tahap') }}

),

realisasi as (

    select
        kode_pemda,
        tahun,
        'realisasi' as tahap,
        1000 as urutan_tahap,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        nilai_rp,
        sumber_sha256
    from {{ ref('int_sp2d_recognised_as_belanja') }}

),

baris as (

    select * from anggaran
    union all
    select * from realisasi

),

infrastruktur_akun as (

    select
        cast(awalan_akun as varchar) as awalan_akun,
        cast(dihitung as boolean) as dihitung,
        cast(cakupan_program as varchar) as cakupan_program
    from {{ ref('ref_infrastruktur_akun') }}

),

-- The longest account prefix of ref_infrastruktur_akun that matches each account in use.
akun_infrastruktur as (

    select
        akun.kode_akun,
        arg_max(infra.dihitung, length(infra.awalan_akun)) as dihitung,
        arg_max(infra.cakupan_program, length(infra.awalan_akun)) as cakupan_program
    from (select distinct kode_akun from baris) as akun
    inner join infrastruktur_akun as infra
        on starts_with(akun.kode_akun, infra.awalan_akun || '.')
    group by akun.kode_akun

),

ditandai as (

    select
        baris.kode_pemda,
        baris.tahun,
        baris.tahap,
        baris.urutan_tahap,
        baris.kode_skpd,
        sub_kegiatan.kode_program,
        sub_kegiatan.kode_bidang_urusan,
        sub_kegiatan.kode_fungsi,
        baris.nilai_rp,
        baris.sumber_sha256,
        baris.kode_akun like '5.1.01.%' as is_pegawai,
        baris.kode_akun like '5.2.%' as is_modal,
        baris.kode_akun like '5.4.%' as is_transfer,
        baris.kode_akun like '5.3.%' as is_btt,
        (
            select terikat.kelompok
            from {{ ref('ref_sumber_dana_terikat') }} as terikat
            where
                baris.kode_sumber_dana = terikat.kode_awalan
                or starts_with(baris.kode_sumber_dana, terikat.kode_awalan || '.')
            order by length(terikat.kode_awalan) desc
            limit 1
        ) as kelompok_terikat,
        exists(
            select 1
            from {{ ref('ref_spm_sub_kegiatan') }} as spm
            where
                baris.kode_sub_kegiatan = spm.kode_awalan
                or starts_with(baris.kode_sub_kegiatan, spm.kode_awalan || '.')
        ) as is_spm,
        baris.kode_akun like '5.1.01.%'
        and baris.kode_sumber_dana in (
            '2.02.01.01.04.04',  -- DAK Non Fisik TPG PNSD
            '2.02.01.01.04.05',  -- DAK Non Fisik Tamsil Guru PNSD
            '2.02.01.01.04.06'   -- DAK Non Fisik TKG PNSD
        ) as is_tunjangan_guru_tkd,
        substr(sub_kegiatan.kode_program, 6, 2) = '01' as is_penunjang,
        coalesce(
            akun_infrastruktur.dihitung
            and (
                akun_infrastruktur.cakupan_program = 'semua'
                or substr(sub_kegiatan.kode_program, 6, 2) != '01'
            ),
            false
        ) as is_infrastruktur
    from baris
    left join {{ ref('int_sub_kegiatan_named') }} as sub_kegiatan
        on
            baris.tahun = sub_kegiatan.tahun
            and baris.kode_sub_kegiatan = sub_kegiatan.kode_sub_kegiatan
    left join akun_infrastruktur
        on baris.kode_akun = akun_infrastruktur.kode_akun
    where baris.kode_akun like '5.%'

),

dikunci as (

    select
        *,
        not (is_pegawai or is_transfer or is_btt) and kelompok_terikat is not null as is_terikat,
        not (is_pegawai or is_transfer or is_btt or is_modal)
        and kelompok_terikat is null
        and is_spm as is_spm_bebas
    from ditandai

),

per_program as (

    select
        kode_pemda,
        tahun,
        tahap,
        urutan_tahap,
        kode_skpd,
        kode_program,
        cast(sum(nilai_rp) as decimal(18, 2)) as total_belanja_rp,
        cast(sum(case when is_pegawai then nilai_rp else 0 end) as decimal(18, 2))
            as belanja_pegawai_rp,
        cast(
            sum(case when is_pegawai and not is_tunjangan_guru_tkd then nilai_rp else 0 end)
            as decimal(18, 2)
        ) as belanja_pegawai_hkpd_rp,
        cast(sum(case when is_modal then nilai_rp else 0 end) as decimal(18, 2))
            as belanja_modal_rp,
        cast(sum(case when is_transfer then nilai_rp else 0 end) as decimal(18, 2))
            as belanja_transfer_rp,
        cast(sum(case when kode_fungsi = '08' then nilai_rp else 0 end) as decimal(18, 2))
            as pendidikan_rp,
        cast(sum(case when is_infrastruktur then nilai_rp else 0 end) as decimal(18, 2))
            as infrastruktur_rp,
        cast(
            sum(case when kode_fungsi = '06' and not is_pegawai then nilai_rp else 0 end)
            as decimal(18, 2)
        ) as kesehatan_rp,
        cast(sum(case when is_terikat then nilai_rp else 0 end) as decimal(18, 2))
            as terikat_rp,
        cast(
            sum(case when is_terikat and is_infrastruktur then nilai_rp else 0 end)
            as decimal(18, 2)
        ) as terikat_infrastruktur_rp,
        string_agg(
            distinct case when is_terikat then kelompok_terikat end, '; '
            order by case when is_terikat then kelompok_terikat end
        ) as sumber_terikat,
        cast(sum(case when is_spm_bebas then nilai_rp else 0 end) as decimal(18, 2)) as spm_rp,
        cast(
            sum(case when is_spm_bebas and is_infrastruktur then nilai_rp else 0 end)
            as decimal(18, 2)
        ) as spm_infrastruktur_rp,
        cast(sum(case when is_btt then nilai_rp else 0 end) as decimal(18, 2)) as btt_rp,
        {{ sumber_sha256_agg('sumber_sha256') }} as sumber_sha256
    from dikunci
    group by
        kode_pemda,
        tahun,
        tahap,
        urutan_tahap,
        kode_skpd,
        kode_program

),

program as (

    select
        tahun,
        kode_program,
        max(nama_program) as nama_program,
        max(kode_bidang_urusan) as kode_bidang_urusan,
        max(kode_fungsi) as kode_fungsi,
        max(nama_fungsi) as nama_fungsi
    from {{ ref('int_sub_kegiatan_named') }}
    group by tahun, kode_program

),

final as (

    select
        cast(per_program.kode_pemda as varchar) as kode_pemda,
        cast(per_program.tahun as integer) as tahun,
        cast(per_program.tahap as varchar) as tahap,
        cast(per_program.urutan_tahap as integer) as urutan_tahap,
        cast(per_program.kode_skpd as varchar) as kode_skpd,
        cast(opd.nama_skpd as varchar) as nama_skpd,
        cast(per_program.kode_program as varchar) as kode_program,
        cast(program.nama_program as varchar) as nama_program,
        cast(program.kode_bidang_urusan as varchar) as kode_bidang_urusan,
        cast(program.kode_fungsi as varchar) as kode_fungsi,
        cast(program.nama_fungsi as varchar) as nama_fungsi,
        substr(per_program.kode_program, 6, 2) = '01' as is_program_penunjang,
        per_program.total_belanja_rp,
        per_program.belanja_pegawai_rp,
        per_program.belanja_pegawai_hkpd_rp,
        per_program.belanja_modal_rp,
        per_program.belanja_transfer_rp,
        per_program.pendidikan_rp,
        per_program.infrastruktur_rp,
        per_program.kesehatan_rp,
        per_program.terikat_rp,
        per_program.terikat_infrastruktur_rp,
        cast(per_program.sumber_terikat as varchar) as sumber_terikat,
        per_program.spm_rp,
        per_program.spm_infrastruktur_rp,
        per_program.btt_rp,
        cast(per_program.sumber_sha256 as varchar) as sumber_sha256
    from per_program
    left join program
        on
            per_program.tahun = program.tahun
            and per_program.kode_program = program.kode_program
    left join {{ ref('int_opd_resolved') }} as opd
        on
            per_program.kode_pemda = opd.kode_pemda
            and per_program.kode_skpd = opd.kode_skpd
            and {{ berlaku_pada('per_program.tahun', 'opd') }}

)

select * from final
