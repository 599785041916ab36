{#- One row per fiscal year x phase (budget position at murni, pergeseran_N, perubahan; and
    realisasi) x mandatory-spending rule: the share, the threshold, pass/fail, the gap in rupiah
    and a plain-Indonesian explanation. Thresholds, legal basis and when each rule binds come from
    reference.ref_belanja_wajib (the one config); the parts summed here are defined once, per
    program, in mart_kepatuhan_belanja_program.

    batas_rp is the threshold in rupiah, rounded to the cent towards compliance (up for a floor,
    down for a cap), so `memenuhi` is exact: a floor is met when pembilang >= batas_rp, a cap when
    pembilang <= batas_rp. penyesuaian_rp is the reallocation that would make the rule hold with
    the total unchanged: rupiah to move into the measured spending (floor) or out of it (cap);
    0 when the rule holds. -#}
with

program as (

    select * from {{ ref('int_kepatuhan_belanja_program_measured') }}

),

aturan as (

    select
        cast(kode_aturan as varchar) as kode_aturan,
        cast(nama_aturan as varchar) as nama_aturan,
        cast(arah as varchar) as arah,
        cast(ambang_persen as decimal(5, 2)) as ambang_persen,
        cast(berlaku_mulai as integer) as berlaku_mulai,
        cast(berlaku_sampai as integer) as berlaku_sampai,
        cast(uraian_pembilang as varchar) as uraian_pembilang,
        cast(uraian_penyebut as varchar) as uraian_penyebut,
        cast(dasar_hukum as varchar) as dasar_hukum
    from {{ ref('ref_belanja_wajib') }}

),

per_tahap as (

    select
        kode_pemda,
        tahun,
        tahap,
        urutan_tahap,
        cast(sum(total_belanja_rp) as decimal(18, 2)) as total_belanja_rp,
        cast(sum(belanja_pegawai_rp) as decimal(18, 2)) as belanja_pegawai_rp,
        cast(sum(belanja_pegawai_hkpd_rp) as decimal(18, 2)) as belanja_pegawai_hkpd_rp,
        cast(sum(belanja_transfer_rp) as decimal(18, 2)) as belanja_transfer_rp,
        cast(sum(pendidikan_rp) as decimal(18, 2)) as pendidikan_rp,
        cast(sum(infrastruktur_rp) as decimal(18, 2)) as infrastruktur_rp,
        cast(sum(kesehatan_rp) as decimal(18, 2)) as kesehatan_rp
    from program
    group by kode_pemda, tahun, tahap, urutan_tahap

),

sumber as (

    select
        kode_pemda,
        tahun,
        tahap,
        {{ sumber_sha256_agg('sha256') }} as sumber_sha256
    from (
        select
            kode_pemda,
            tahun,
            tahap,
            {{ sumber_sha256_unnest('sumber_sha256') }} as sha256
        from program
    ) as dipecah
    group by kode_pemda, tahun, tahap

),

diukur as (

    select
        per_tahap.kode_pemda,
        per_tahap.tahun,
        per_tahap.tahap,
        per_tahap.urutan_tahap,
        aturan.kode_aturan,
        aturan.nama_aturan,
        aturan.arah,
        aturan.ambang_persen,
        aturan.berlaku_mulai,
        aturan.berlaku_sampai,
        aturan.uraian_pembilang,
        aturan.uraian_penyebut,
        aturan.dasar_hukum,
        per_tahap.total_belanja_rp,
        case aturan.kode_aturan
            when 'pendidikan' then per_tahap.pendidikan_rp
            when 'infrastruktur' then per_tahap.infrastruktur_rp
            when 'pegawai' then per_tahap.belanja_pegawai_hkpd_rp
            when 'kesehatan' then per_tahap.kesehatan_rp
        end as pembilang_rp,
        case aturan.kode_aturan
            when 'pendidikan' then per_tahap.total_belanja_rp
            when 'infrastruktur' then per_tahap.total_belanja_rp - per_tahap.belanja_transfer_rp
            when 'pegawai' then per_tahap.total_belanja_rp
            when 'kesehatan' then per_tahap.total_belanja_rp - per_tahap.belanja_pegawai_rp
        end as penyebut_rp
    from per_tahap
    cross join aturan

),

dinilai as (

    select
        *,
        case
            when arah = 'minimal'
                then {{ batas_persen_rp('ambang_persen', 'penyebut_rp', 'atas') }}
            else {{ batas_persen_rp('ambang_persen', 'penyebut_rp', 'bawah') }}
        end as batas_rp,
        {{ persen_half_up('pembilang_rp', 'penyebut_rp') }} as porsi_persen,
        tahun >= berlaku_mulai
        and (berlaku_sampai is null or tahun <= berlaku_sampai) as wajib_berlaku
    from diukur

),

dibandingkan as (

    select
        *,
        case
            when arah = 'minimal' then pembilang_rp >= batas_rp
            else pembilang_rp <= batas_rp
        end as memenuhi,
        cast(pembilang_rp - batas_rp as decimal(18, 2)) as selisih_rp,
        cast(
            case
                when arah = 'minimal' then greatest(batas_rp - pembilang_rp, 0)
                else greatest(pembilang_rp - batas_rp, 0)
            end as decimal(18, 2)
        ) as penyesuaian_rp
    from dinilai

),

dijelaskan as (

    -- The explanation in three sentences: what was measured, the verdict with the gap, and
    -- whether the rule binds that year.
    select
        *,
        case
            when tahap = 'realisasi' then 'Realisasi '
            else 'APBD tahap ' || tahap || ' '
        end
        || cast(tahun as varchar) || ': '
        || upper(substr(uraian_pembilang, 1, 1)) || substr(uraian_pembilang, 2) || ' '
        || {{ rupiah_teks('pembilang_rp') }} || ' = '
        || coalesce({{ persen_teks('porsi_persen') }}, '-') || ' dari '
        || uraian_penyebut || ' ' || {{ rupiah_teks('penyebut_rp') }} || '. Batas '
        || arah || ' ' || {{ persen_teks('ambang_persen') }} || ' = '
        || {{ rupiah_teks('batas_rp') }} || '.' as teks_ukuran,
        case
            when memenuhi and arah = 'minimal'
                then 'MEMENUHI, lebih ' || {{ rupiah_teks('selisih_rp') }} || ' di atas batas.'
            when memenuhi
                then 'MEMENUHI, masih ' || {{ rupiah_teks('-selisih_rp') }} || ' di bawah batas.'
            when arah = 'minimal'
                then 'TIDAK MEMENUHI: kurang ' || {{ rupiah_teks('penyesuaian_rp') }}
                    || '; sebesar itu perlu dialihkan ke ' || uraian_pembilang
                    || ' dari belanja lain (total tetap).'
            else 'TIDAK MEMENUHI: lebih ' || {{ rupiah_teks('penyesuaian_rp') }}
                || ' di atas batas; sebesar itu perlu dikurangi dari ' || uraian_pembilang
                || ' (total tetap).'
        end as teks_hasil,
        case
            when tahun < berlaku_mulai
                then 'Belum wajib: berlaku mulai TA ' || cast(berlaku_mulai as varchar) || '.'
            when berlaku_sampai is not null and tahun > berlaku_sampai
                then 'Tidak lagi wajib sejak TA ' || cast(berlaku_sampai + 1 as varchar)
                    || '; dipakai sebagai acuan.'
            else 'Wajib pada tahun ini.'
        end as teks_status
    from dibandingkan

),

final as (

    select
        cast(dijelaskan.kode_pemda as varchar) as kode_pemda,
        cast(dijelaskan.tahun as integer) as tahun,
        cast(dijelaskan.tahap as varchar) as tahap,
        cast(dijelaskan.urutan_tahap as integer) as urutan_tahap,
        dijelaskan.kode_aturan,
        dijelaskan.nama_aturan,
        dijelaskan.arah,
        dijelaskan.ambang_persen,
        cast(dijelaskan.total_belanja_rp as decimal(18, 2)) as total_belanja_rp,
        cast(dijelaskan.pembilang_rp as decimal(18, 2)) as pembilang_rp,
        cast(dijelaskan.penyebut_rp as decimal(18, 2)) as penyebut_rp,
        dijelaskan.porsi_persen,
        dijelaskan.batas_rp,
        dijelaskan.memenuhi,
        dijelaskan.selisih_rp,
        dijelaskan.penyesuaian_rp,
        dijelaskan.wajib_berlaku,
        dijelaskan.berlaku_mulai,
        dijelaskan.berlaku_sampai,
        dijelaskan.dasar_hukum,
        dijelaskan.teks_ukuran || ' ' || dijelaskan.teks_hasil || ' ' || dijelaskan.teks_status
        || ' Dasar: ' || dijelaskan.dasar_hukum || '.' as penjelasan,
        cast(sumber.sumber_sha256 as varchar) as sumber_sha256
    from dijelaskan
    left join sumber
        on
            dijelaskan.kode_pemda = sumber.kode_pemda
            and dijelaskan.tahun = sumber.tahun
            and dijelaskan.tahap = sumber.tahap

)

select * from final
