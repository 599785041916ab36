{#- One row per fiscal year x pair of budget phases compared x rincian line on either side: the
    line of the earlier phase (`dari`) matched to its line in the later one (`ke`), what changed
    and why, in words. Pairs: every two consecutive phases present that year, and murni -> every
    later phase (so murni -> perubahan and murni -> the final phase are always there). A phase's
    lines are the city's position then (int_rincian_carried_to_tahap).

    Matching, in order, each line at most once on each side:
    1. kode_persis: same OPD, sub kegiatan, line number and account, and the same component name;
    2. by name (rounds of mutual best matches among the lines still unmatched, same account, over
       the whole city): Jaro-Winkler similarity of the normalised names at least the threshold
       of reference.ref_pencocokan_rincian and, in another sub kegiatan, the same amount (within
       its toleransi_pindah_persen: template names repeat across the city); ties go to the same
       amount, the same sub kegiatan, the same OPD, the same volume and unit, the smallest rupiah
       difference, the nearest line number. Labelled kode_saja when the codes
       happen to be the same (a renamed component), nama_mirip otherwise (renumbered or moved);
    3. kode_saja: what is left with the same OPD, sub kegiatan, line number and account;
    4. tidak_ditemukan: the rest (ditambah on the later side, dihapus on the earlier).
    A match across sub kegiatan or OPD is `dipindah`; otherwise `berubah` when amount, volume,
    unit price, funding source or location differs, else `tetap`. -#}
{{ config(materialized='irisan_pemda', irisan_per_batch=5) }}

{%- set putaran = 3 -%}
{%- set kolom = [
    'tahap_dipakai', 'kode_skpd', 'kode_sub_kegiatan', 'no_rincian', 'kunci_rincian', 'kode_akun',
    'kode_sumber_dana', 'uraian_komponen', 'nama_baku', 'volume', 'satuan', 'harga_satuan_rp',
    'total_rp', 'kode_lokasi', 'sumber_sha256'
] -%}
{%- set sisi = 'tahun, tahap_dari, tahap_ke' -%}

with

baris as (

    select * from {{ ref('int_rincian_carried_to_tahap') }}

),

aturan as (

    select
        cast(ambang_kemiripan_nama as decimal(4, 3)) as ambang,
        cast(toleransi_pindah_persen as decimal(5, 2)) as toleransi_pindah_persen
    from {{ ref('ref_pencocokan_rincian') }}
    where kode_aturan = 'pencocokan_rincian'

),

tahap_tahun as (

    select distinct
        kode_pemda,
        tahun,
        tahap,
        urutan_tahap
    from baris

),

berurutan as (

    select
        kode_pemda,
        tahun,
        tahap as tahap_dari,
        lead(tahap) over (partition by kode_pemda, tahun order by urutan_tahap) as tahap_ke
    from tahap_tahun

),

sesudah_murni as (

    select
        kode_pemda,
        tahun,
        tahap as tahap_ke
    from tahap_tahun
    where
        urutan_tahap > 0
        and exists (
            select 1 from tahap_tahun as murni
            where murni.kode_pemda = tahap_tahun.kode_pemda
                and murni.tahun = tahap_tahun.tahun
                and murni.urutan_tahap = 0
        )

),

pasangan as (

    select
        kode_pemda,
        tahun,
        tahap_dari,
        tahap_ke
    from berurutan
    where tahap_ke is not null
    union
    select
        kode_pemda,
        tahun,
        'murni' as tahap_dari,
        tahap_ke
    from sesudah_murni

),

dari as (

    select
        pasangan.kode_pemda,
        pasangan.tahun,
        pasangan.tahap_dari,
        pasangan.tahap_ke,
    {%- for k in kolom %}
        baris.{{ k }}{{ ',' if not loop.last }}
    {%- endfor %}
    from pasangan
    inner join baris
        on
            pasangan.kode_pemda = baris.kode_pemda
            and pasangan.tahun = baris.tahun
            and pasangan.tahap_dari = baris.tahap

),

ke as (

    select
        pasangan.kode_pemda,
        pasangan.tahun,
        pasangan.tahap_dari,
        pasangan.tahap_ke,
    {%- for k in kolom %}
        baris.{{ k }}{{ ',' if not loop.last }}
    {%- endfor %}
    from pasangan
    inner join baris
        on
            pasangan.kode_pemda = baris.kode_pemda
            and pasangan.tahun = baris.tahun
            and pasangan.tahap_ke = baris.tahap

),

persis as (

    select
        dari.kode_pemda,
        dari.tahun,
        dari.tahap_dari,
        dari.tahap_ke,
        dari.kunci_rincian as kunci_dari,
        ke.kunci_rincian as kunci_ke,
        'kode_persis' as cara_pencocokan,
        cast(null as decimal(4, 3)) as kemiripan_nama
    from dari
    inner join ke
        on
            dari.kode_pemda = ke.kode_pemda
            and dari.tahun = ke.tahun
            and dari.tahap_dari = ke.tahap_dari
            and dari.tahap_ke = ke.tahap_ke
            and dari.kunci_rincian = ke.kunci_rincian
            and dari.kode_akun = ke.kode_akun
            and dari.nama_baku = ke.nama_baku

),

calon as (

    select
        dari.kode_pemda,
        dari.tahun,
        dari.tahap_dari,
        dari.tahap_ke,
        dari.kunci_rincian as kunci_dari,
        ke.kunci_rincian as kunci_ke,
        cast(jaro_winkler_similarity(dari.nama_baku, ke.nama_baku) as decimal(4, 3))
            as kemiripan_nama,
        dari.kode_skpd = ke.kode_skpd
        and dari.kode_sub_kegiatan = ke.kode_sub_kegiatan as sub_sama,
        dari.kode_skpd = ke.kode_skpd as opd_sama,
        dari.kunci_rincian = ke.kunci_rincian as kunci_sama,
        not {{ berbeda('dari.volume', 'ke.volume') }}
        and not {{ berbeda('dari.satuan', 'ke.satuan') }} as volume_sama,
        abs(ke.total_rp - dari.total_rp) as beda_rp,
        abs(ke.no_rincian - dari.no_rincian) as beda_no
    from dari
    inner join ke
        on
            dari.kode_pemda = ke.kode_pemda
            and dari.tahun = ke.tahun
            and dari.tahap_dari = ke.tahap_dari
            and dari.tahap_ke = ke.tahap_ke
            and dari.kode_akun = ke.kode_akun
    cross join aturan
    where
        jaro_winkler_similarity(dari.nama_baku, ke.nama_baku) >= aturan.ambang
        and (
            (dari.kode_skpd = ke.kode_skpd and dari.kode_sub_kegiatan = ke.kode_sub_kegiatan)
            or abs(ke.total_rp - dari.total_rp)
            <= dari.total_rp * aturan.toleransi_pindah_persen / 100
        )
        and not exists (
            select 1 from persis
            where
                persis.kode_pemda = dari.kode_pemda
                and persis.tahun = dari.tahun
                and persis.tahap_dari = dari.tahap_dari
                and persis.tahap_ke = dari.tahap_ke
                and persis.kunci_dari = dari.kunci_rincian
        )
        and not exists (
            select 1 from persis
            where
                persis.kode_pemda = ke.kode_pemda
                and persis.tahun = ke.tahun
                and persis.tahap_dari = ke.tahap_dari
                and persis.tahap_ke = ke.tahap_ke
                and persis.kunci_ke = ke.kunci_rincian
        )

),

{%- for i in range(1, putaran + 1) %}

    peringkat_{{ i }} as (

        select
            calon.*,
            row_number() over (
                partition by
                    calon.kode_pemda,
                    calon.tahun,
                    calon.tahap_dari,
                    calon.tahap_ke,
                    calon.kunci_dari
                order by
                    calon.kemiripan_nama desc,
                    calon.beda_rp = 0 desc,
                    calon.sub_sama desc,
                    calon.opd_sama desc,
                    calon.volume_sama desc,
                    calon.beda_rp asc,
                    calon.beda_no asc,
                    calon.kunci_ke asc
            ) as urutan_dari,
            row_number() over (
                partition by
                    calon.kode_pemda, calon.tahun, calon.tahap_dari, calon.tahap_ke, calon.kunci_ke
                order by
                    calon.kemiripan_nama desc,
                    calon.beda_rp = 0 desc,
                    calon.sub_sama desc,
                    calon.opd_sama desc,
                    calon.volume_sama desc,
                    calon.beda_rp asc,
                    calon.beda_no asc,
                    calon.kunci_dari asc
            ) as urutan_ke
        from calon
        {%- for j in range(1, i) %}
        anti join nama_{{ j }} as dari_{{ j }}
            on
                calon.kode_pemda = dari_{{ j }}.kode_pemda
                and calon.tahun = dari_{{ j }}.tahun
                and calon.tahap_dari = dari_{{ j }}.tahap_dari
                and calon.tahap_ke = dari_{{ j }}.tahap_ke
                and calon.kunci_dari = dari_{{ j }}.kunci_dari
        anti join nama_{{ j }} as ke_{{ j }}
            on
                calon.kode_pemda = ke_{{ j }}.kode_pemda
                and calon.tahun = ke_{{ j }}.tahun
                and calon.tahap_dari = ke_{{ j }}.tahap_dari
                and calon.tahap_ke = ke_{{ j }}.tahap_ke
                and calon.kunci_ke = ke_{{ j }}.kunci_ke
        {%- endfor %}

    ),

    nama_{{ i }} as (

        select
            kode_pemda,
            tahun,
            tahap_dari,
            tahap_ke,
            kunci_dari,
            kunci_ke,
            case when kunci_sama then 'kode_saja' else 'nama_mirip' end as cara_pencocokan,
            kemiripan_nama
        from peringkat_{{ i }}
        where urutan_dari = 1 and urutan_ke = 1

    ),
{%- endfor %}

menurut_nama as (

    {%- for i in range(1, putaran + 1) %}
        select * from nama_{{ i }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

cocok_awal as (

    select * from persis
    union all
    select * from menurut_nama

),

menurut_kode as (

    select
        dari.kode_pemda,
        dari.tahun,
        dari.tahap_dari,
        dari.tahap_ke,
        dari.kunci_rincian as kunci_dari,
        ke.kunci_rincian as kunci_ke,
        'kode_saja' as cara_pencocokan,
        cast(jaro_winkler_similarity(dari.nama_baku, ke.nama_baku) as decimal(4, 3))
            as kemiripan_nama
    from dari
    inner join ke
        on
            dari.kode_pemda = ke.kode_pemda
            and dari.tahun = ke.tahun
            and dari.tahap_dari = ke.tahap_dari
            and dari.tahap_ke = ke.tahap_ke
            and dari.kunci_rincian = ke.kunci_rincian
            and dari.kode_akun = ke.kode_akun
    anti join cocok_awal as cocok_dari
        on
            dari.kode_pemda = cocok_dari.kode_pemda
            and dari.tahun = cocok_dari.tahun
            and dari.tahap_dari = cocok_dari.tahap_dari
            and dari.tahap_ke = cocok_dari.tahap_ke
            and dari.kunci_rincian = cocok_dari.kunci_dari
    anti join cocok_awal as cocok_ke
        on
            ke.kode_pemda = cocok_ke.kode_pemda
            and ke.tahun = cocok_ke.tahun
            and ke.tahap_dari = cocok_ke.tahap_dari
            and ke.tahap_ke = cocok_ke.tahap_ke
            and ke.kunci_rincian = cocok_ke.kunci_ke

),

cocok as (

    select * from cocok_awal
    union all
    select * from menurut_kode

),

semua as (

    select * from cocok
    union all
    select
        dari.kode_pemda,
        dari.tahun,
        dari.tahap_dari,
        dari.tahap_ke,
        dari.kunci_rincian as kunci_dari,
        cast(null as varchar) as kunci_ke,
        'tidak_ditemukan' as cara_pencocokan,
        cast(null as decimal(4, 3)) as kemiripan_nama
    from dari
    anti join cocok
        on
            dari.kode_pemda = cocok.kode_pemda
            and dari.tahun = cocok.tahun
            and dari.tahap_dari = cocok.tahap_dari
            and dari.tahap_ke = cocok.tahap_ke
            and dari.kunci_rincian = cocok.kunci_dari
    union all
    select
        ke.kode_pemda,
        ke.tahun,
        ke.tahap_dari,
        ke.tahap_ke,
        cast(null as varchar) as kunci_dari,
        ke.kunci_rincian as kunci_ke,
        'tidak_ditemukan' as cara_pencocokan,
        cast(null as decimal(4, 3)) as kemiripan_nama
    from ke
    anti join cocok
        on
            ke.kode_pemda = cocok.kode_pemda
            and ke.tahun = cocok.tahun
            and ke.tahap_dari = cocok.tahap_dari
            and ke.tahap_ke = cocok.tahap_ke
            and ke.kunci_rincian = cocok.kunci_ke

),

dibandingkan as (

    select
        semua.kode_pemda,
        semua.tahun,
        semua.tahap_dari,
        semua.tahap_ke,
        semua.kunci_dari,
        semua.kunci_ke,
        semua.cara_pencocokan,
        semua.kemiripan_nama,
        dari.tahap_dipakai as tahap_dipakai_dari,
        ke.tahap_dipakai as tahap_dipakai_ke,
        dari.kode_skpd as kode_skpd_dari,
        ke.kode_skpd as kode_skpd_ke,
        dari.kode_sub_kegiatan as kode_sub_kegiatan_dari,
        ke.kode_sub_kegiatan as kode_sub_kegiatan_ke,
        dari.no_rincian as no_rincian_dari,
        ke.no_rincian as no_rincian_ke,
        coalesce(ke.kode_akun, dari.kode_akun) as kode_akun,
        dari.uraian_komponen as uraian_komponen_dari,
        ke.uraian_komponen as uraian_komponen_ke,
        dari.kode_sumber_dana as kode_sumber_dana_dari,
        ke.kode_sumber_dana as kode_sumber_dana_ke,
        dari.kode_lokasi as kode_lokasi_dari,
        ke.kode_lokasi as kode_lokasi_ke,
        dari.volume as volume_dari,
        ke.volume as volume_ke,
        dari.satuan as satuan_dari,
        ke.satuan as satuan_ke,
        dari.harga_satuan_rp as harga_satuan_dari_rp,
        ke.harga_satuan_rp as harga_satuan_ke_rp,
        dari.total_rp as pagu_dari_rp,
        ke.total_rp as pagu_ke_rp,
        dari.kunci_rincian is not null and ke.kunci_rincian is not null as is_dicocokkan,
        {{ berbeda('dari.kode_skpd', 'ke.kode_skpd') }}
        or {{ berbeda('dari.kode_sub_kegiatan', 'ke.kode_sub_kegiatan') }} as is_pindah,
        {{ berbeda('dari.total_rp', 'ke.total_rp') }} as is_pagu_berubah,
        {{ berbeda('dari.volume', 'ke.volume') }} as is_volume_berubah,
        {{ berbeda('dari.harga_satuan_rp', 'ke.harga_satuan_rp') }} as is_harga_satuan_berubah,
        {{ berbeda('dari.kode_sumber_dana', 'ke.kode_sumber_dana') }} as is_sumber_dana_berubah,
        {{ berbeda('dari.kode_lokasi', 'ke.kode_lokasi') }} as is_lokasi_berubah,
        array_to_string(
            list_sort(list_distinct([dari.sumber_sha256, ke.sumber_sha256])), ','
        ) as sumber_sha256
    from semua
    left join dari
        on
            semua.kode_pemda = dari.kode_pemda
            and semua.tahun = dari.tahun
            and semua.tahap_dari = dari.tahap_dari
            and semua.tahap_ke = dari.tahap_ke
            and semua.kunci_dari = dari.kunci_rincian
    left join ke
        on
            semua.kode_pemda = ke.kode_pemda
            and semua.tahun = ke.tahun
            and semua.tahap_dari = ke.tahap_dari
            and semua.tahap_ke = ke.tahap_ke
            and semua.kunci_ke = ke.kunci_rincian

),

berstatus as (

    select
        *,
        case
            when kunci_dari is null then 'ditambah'
            when kunci_ke is null then 'dihapus'
            when is_pindah then 'dipindah'
            when
                is_pagu_berubah or is_volume_berubah or is_harga_satuan_berubah
                or is_sumber_dana_berubah or is_lokasi_berubah
                then 'berubah'
            else 'tetap'
        end as status,
        case
            when is_dicocokkan
                then concat_ws(
                        ', ',
                        case when is_pagu_berubah then 'pagu' end,
                        case when is_volume_berubah then 'volume' end,
                        case when is_harga_satuan_berubah then 'harga satuan' end,
                        case when is_sumber_dana_berubah then 'sumber dana' end,
                        case when is_lokasi_berubah then 'lokasi' end
                    )
        end as yang_berubah,
        coalesce(pagu_ke_rp, 0) - coalesce(pagu_dari_rp, 0) as selisih_rp
    from dibandingkan

),

diterangkan as (

    select
        *,
        concat_ws(
            '; ',
            case
                when is_pagu_berubah
                    then 'pagu ' || {{ rupiah_teks('pagu_dari_rp') }} || ' menjadi '
                        || {{ rupiah_teks('pagu_ke_rp') }} || ' ('
                        || case when selisih_rp > 0 then '+' else '' end
                        || {{ rupiah_teks('selisih_rp') }} || ')'
            end,
            case
                when is_volume_berubah
                    then 'volume ' || {{ volume_teks('volume_dari') }} || ' menjadi '
                        || {{ volume_teks('volume_ke') }} || coalesce(' ' || satuan_ke, '')
            end,
            case
                when is_harga_satuan_berubah
                    then 'harga satuan ' || {{ rupiah_teks('harga_satuan_dari_rp') }}
                        || ' menjadi ' || {{ rupiah_teks('harga_satuan_ke_rp') }}
            end,
            case
                when is_sumber_dana_berubah
                    then 'sumber dana ' || kode_sumber_dana_dari || ' menjadi '
                        || kode_sumber_dana_ke
            end,
            case
                when is_lokasi_berubah
                    then 'lokasi ' || coalesce(kode_lokasi_dari, 'lokasi sub kegiatan')
                        || ' menjadi ' || coalesce(kode_lokasi_ke, 'lokasi sub kegiatan')
            end
        ) as teks_perubahan,
        case cara_pencocokan
            when 'kode_persis' then 'Dicocokkan dengan kode dan uraian yang sama.'
            when 'kode_saja'
                then 'Dicocokkan dengan kode (OPD, sub kegiatan, nomor rincian, akun); '
                    || 'uraian berganti.'
            when 'nama_mirip'
                then 'Dicocokkan dengan kemiripan nama komponen '
                    || replace(cast(kemiripan_nama as varchar), '.', ',')
                    || ' (nomor rincian ' || cast(no_rincian_dari as varchar) || ' menjadi '
                    || cast(no_rincian_ke as varchar) || ').'
        end as teks_cara,
        case
            when kode_skpd_dari <> kode_skpd_ke
                then 'Dipindah dari sub kegiatan ' || kode_sub_kegiatan_dari || ' (OPD '
                    || kode_skpd_dari || ') ke ' || kode_sub_kegiatan_ke || ' (OPD '
                    || kode_skpd_ke || ').'
            else
                'Dipindah dari sub kegiatan ' || kode_sub_kegiatan_dari || ' ke '
                || kode_sub_kegiatan_ke || '.'
        end as teks_pindah,
        case
            when tahap_dipakai_ke <> tahap_ke
                then ' OPD ini tidak punya DPA ' || tahap_ke || '; dipakai ' || tahap_dipakai_ke
                    || '.'
            else ''
        end as teks_tahap
    from berstatus

),

final as (

    select
        kode_pemda,
        tahun,
        tahap_dari,
        tahap_ke,
        coalesce(kunci_dari, '-') || ' > ' || coalesce(kunci_ke, '-') as id_baris,
        status,
        cara_pencocokan,
        kemiripan_nama,
        nullif(yang_berubah, '') as yang_berubah,
        coalesce(kode_skpd_ke, kode_skpd_dari) as kode_skpd,
        coalesce(kode_sub_kegiatan_ke, kode_sub_kegiatan_dari) as kode_sub_kegiatan,
        substr(coalesce(kode_sub_kegiatan_ke, kode_sub_kegiatan_dari), 1, 7) as kode_program,
        kode_akun,
        kode_skpd_dari,
        kode_sub_kegiatan_dari,
        no_rincian_dari,
        kode_skpd_ke,
        kode_sub_kegiatan_ke,
        no_rincian_ke,
        tahap_dipakai_dari,
        tahap_dipakai_ke,
        uraian_komponen_dari,
        uraian_komponen_ke,
        kode_sumber_dana_dari,
        kode_sumber_dana_ke,
        kode_lokasi_dari,
        kode_lokasi_ke,
        volume_dari,
        volume_ke,
        satuan_dari,
        satuan_ke,
        harga_satuan_dari_rp,
        harga_satuan_ke_rp,
        pagu_dari_rp,
        pagu_ke_rp,
        cast(selisih_rp as decimal(18, 2)) as selisih_rp,
        coalesce(is_pagu_berubah and is_dicocokkan, false) as is_pagu_berubah,
        coalesce(is_volume_berubah and is_dicocokkan, false) as is_volume_berubah,
        coalesce(is_harga_satuan_berubah and is_dicocokkan, false) as is_harga_satuan_berubah,
        coalesce(is_sumber_dana_berubah and is_dicocokkan, false) as is_sumber_dana_berubah,
        coalesce(is_lokasi_berubah and is_dicocokkan, false) as is_lokasi_berubah,
        case status
            when 'ditambah'
                then 'Baris baru di ' || tahap_ke || ': '
                    || coalesce(uraian_komponen_ke, '(tanpa uraian)') || ' '
                    || {{ rupiah_teks('pagu_ke_rp') }} || '; tidak ada baris ' || tahap_dari
                    || ' yang cocok menurut kode maupun nama komponen.'
            when 'dihapus'
                then 'Baris ' || tahap_dari || ' '
                    || coalesce(uraian_komponen_dari, '(tanpa uraian)') || ' '
                    || {{ rupiah_teks('pagu_dari_rp') }} || ' tidak ada lagi di ' || tahap_ke
                    || ' (tidak ditemukan menurut kode maupun nama komponen).'
            when 'dipindah'
                then teks_pindah || ' '
                    || case
                        when teks_perubahan <> '' then 'Berubah: ' || teks_perubahan || '. ' else ''
                    end
                    || teks_cara
            when 'berubah' then 'Berubah: ' || teks_perubahan || '. ' || teks_cara
            else 'Tidak berubah. ' || teks_cara
        end
        || teks_tahap as alasan,
        sumber_sha256
    from diterangkan

)

select * from final
