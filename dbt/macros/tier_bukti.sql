{#-
    The evidence-tier rule of mart_prioritas_alokasi and mart_prioritas_sub_kegiatan, shared so the
    program table and its drill-down judge alike. Every threshold and weight is a column of the
    one-row CTE `aturan` (pivoted from the seed ref_aturan_tier by `aturan_tier_pivot`), never a
    literal here. The design note is in dagster_project/lib/scenario.py ("the tier rule").
-#}

{% macro aturan_tier_pivot() -%}
    {%- set nama = [
        'bobot_serapan', 'bobot_capaian_keluaran', 'bobot_dampak_outcome',
        'bobot_biaya_per_keluaran', 'bobot_kebutuhan_wilayah', 'ambang_a', 'ambang_b',
        'serapan_sehat_min', 'serapan_rendah', 'serapan_lebih',
        'capaian_keluaran_buruk', 'tahun_tren',
        'rasio_biaya_mahal', 'pembanding_biaya_min', 'mutu_data_min_a', 'mutu_data_min_d',
        'tahun_riwayat_min'
    ] -%}
    {%- set kolom = [] -%}
    {%- for n in nama -%}
        {%- do kolom.append(
            "cast(max(nilai) filter (where kode_parameter = '" ~ n ~ "') as double) as " ~ n
        ) -%}
    {%- endfor -%}
    select {{ kolom | join(', ') }}
    from {{ ref('ref_aturan_tier') }}
{%- endmacro %}

{#- 0 at or beyond `nol`, 1 at or beyond `satu`, linear between (either direction); null stays
    null (DuckDB's least/greatest would skip it). -#}
{% macro skor_ramp(x, nol, satu) -%}
    case
        when {{ x }} is not null
            then greatest(0.0, least(1.0, (cast({{ x }} as double) - {{ nol }}) / ({{ satu }} - {{ nol }})))
    end
{%- endmacro %}

{#- Absorption: 1 inside [serapan_sehat_min, 100], 0 at serapan_rendah and at serapan_lebih. -#}
{% macro skor_serapan(x) -%}
    case
        when {{ x }} is null then null
        when {{ x }} <= 100 then {{ skor_ramp(x, 'aturan.serapan_rendah', 'aturan.serapan_sehat_min') }}
        else {{ skor_ramp(x, 'aturan.serapan_lebih', '100.0') }}
    end
{%- endmacro %}

{#- Weighted mean of the components present, weights re-normalised over them; null if none. -#}
{% macro skor_bukti(pasangan) -%}
    {%- set pembilang = [] -%}
    {%- set penyebut = [] -%}
    {%- for skor, bobot in pasangan -%}
        {%- do pembilang.append('coalesce(' ~ skor ~ ' * ' ~ bobot ~ ', 0)') -%}
        {%- do penyebut.append(
            'case when ' ~ skor ~ ' is not null then ' ~ bobot ~ ' else 0 end'
        ) -%}
    {%- endfor -%}
    ({{ pembilang | join(' + ') }}) / nullif({{ penyebut | join(' + ') }}, 0)
{%- endmacro %}

{#- The tier, first rule that applies wins. One verdict, one story: the tier follows the
    klasifikasi of mart_kinerja_program (column klasifikasi_kinerja) and never contradicts it:
    D only with evidence of waste (serapan_rendah, or tidak_efektif: outputs missed with the money
    absorbed, or the whole effect interval below a meaningful effect), A only with an effect seen
    (efektif); "belum cukup bukti" is B or C, never A or D. Low absorption is waste shown by the
    treasury's SP2D against the DPA, so it needs neither measurable outputs nor the OPD's data
    quality (mutu_data_min_d guards the verdicts built on the OPD's own performance reports:
    tidak_efektif). Rows whose money is all outside the
    tiers (BTT, transfers: ref_belanja_bukti) get no tier. Expects the columns ditier,
    program_penunjang, pagu_dinilai_rp, jumlah_indikator_terukur, program_baru, klasifikasi_kinerja,
    skor_bukti, mutu_data and the `aturan` columns. -#}
{% macro tier_bukti() -%}
    case
        when not ditier then null
        when program_penunjang then 'B'
        when coalesce(pagu_dinilai_rp, 0) = 0 then 'C'
        when klasifikasi_kinerja = 'serapan_rendah' and not program_baru then 'D'
        when klasifikasi_kinerja = 'serapan_rendah' then 'C'
        when jumlah_indikator_terukur = 0 and klasifikasi_kinerja = 'efektif' then 'B'
        when jumlah_indikator_terukur = 0 then 'C'
        when
            klasifikasi_kinerja = 'tidak_efektif'
            and not program_baru
            and mutu_data >= aturan.mutu_data_min_d
            then 'D'
        when klasifikasi_kinerja = 'tidak_efektif' then 'C'
        when program_baru then 'B'
        when
            klasifikasi_kinerja = 'efektif'
            and skor_bukti >= aturan.ambang_a
            and mutu_data >= aturan.mutu_data_min_a
            then 'A'
        when klasifikasi_kinerja = 'efektif' then 'B'
        when skor_bukti >= aturan.ambang_b then 'B'
        else 'C'
    end
{%- endmacro %}

{% macro label_tier(tier) -%}
    case {{ tier }}
        when 'A' then 'A pertahankan/tambah'
        when 'B' then 'B pertahankan'
        when 'C' then 'C tinjau ulang'
        when 'D' then 'D kandidat pemotongan'
        else 'tanpa tier: di luar penilaian (BTT/transfer)'
    end
{%- endmacro %}

{#- 0.8523 -> '0,85' -#}
{% macro skor_teks(x) -%}
    coalesce({{ angka_id(x, 2) }}, '-')
{%- endmacro %}

{#- Plain-Indonesian reasons: what decided the tier, the effect sentence of mart_kinerja_program
    (alasan_dampak, the same words as the klasifikasi), then every component figure and score. -#}
{% macro alasan_tier(tier) -%}
    concat_ws(
        '; ',
        case
            when not ditier
                then 'di luar tier bukti: seluruh pagu ' || coalesce(jenis_tanpa_tier, '-')
                    || ' (ref_belanja_bukti), tidak dinilai dan tidak dipotong skenario'
            when program_penunjang
                then 'program penunjang (gaji, kantor): tidak dinilai terhadap outcome, dipertahankan'
            when coalesce(pagu_dinilai_rp, 0) = 0
                then 'pagu akhir 0: tidak ada belanja untuk dinilai'
            when
                klasifikasi_kinerja = 'serapan_rendah'
                or (klasifikasi_kinerja = 'tidak_efektif' and jumlah_indikator_terukur > 0)
                then case
                    when klasifikasi_kinerja = 'serapan_rendah'
                        then 'bukti pemborosan: uang tidak terserap (serapan '
                            || {{ angka_id('serapan_dinilai_persen', 0) }}
                            || '% menurut SP2D terhadap pagu DPA)'
                    when capaian_keluaran_persen <= aturan.capaian_keluaran_buruk
                        then 'bukti pemborosan: keluaran tidak tercapai (capaian keluaran '
                            || {{ angka_id('capaian_keluaran_persen', 0) }} || '% dengan serapan '
                            || {{ angka_id('serapan_dinilai_persen', 0) }} || '%)'
                    else 'bukti pemborosan: outcome tidak membaik sebesar dampak bermakna'
                end
                || case
                    when {{ tier }} = 'C' and program_baru
                        then ', tetapi program baru (' || tahun_riwayat
                            || ' tahun berpagu): tinjau ulang, bukan kandidat pemotongan'
                    when {{ tier }} = 'C'
                        then ', tetapi mutu data ' || {{ angka_id('mutu_data * 100', 0) }}
                            || '% di bawah ' || {{ angka_id('aturan.mutu_data_min_d * 100', 0) }}
                            || '%: tinjau ulang, bukan kandidat pemotongan'
                    else ''
                end
            when jumlah_indikator_terukur = 0
                then 'tidak ada indikator terukur: OPD tidak melaporkan keluaran dengan target dan realisasi berupa angka'
                    || case
                        when {{ tier }} = 'B' then ' (dampak outcome terlihat: dipertahankan, tetapi tidak bisa A)'
                        else ''
                    end
            when program_baru
                then 'program baru, belum ada riwayat (' || tahun_riwayat || ' tahun berpagu)'
            when {{ tier }} = 'A'
                then 'dampak outcome terlihat (seluruh rentang di atas 0), skor bukti '
                    || {{ skor_teks('skor_bukti') }} || ' >= ambang A '
                    || {{ skor_teks('aturan.ambang_a') }} || ', mutu data '
                    || {{ angka_id('mutu_data * 100', 0) }} || '%'
            when klasifikasi_kinerja = 'efektif'
                then 'dampak outcome terlihat, belum A: '
                    || case
                        when skor_bukti < aturan.ambang_a
                            then 'skor bukti ' || {{ skor_teks('skor_bukti') }} || ' di bawah ambang A '
                                || {{ skor_teks('aturan.ambang_a') }}
                        else 'mutu data ' || {{ angka_id('mutu_data * 100', 0) }} || '% di bawah '
                            || {{ angka_id('aturan.mutu_data_min_a * 100', 0) }} || '%'
                    end
            when {{ tier }} = 'B'
                then 'skor bukti ' || {{ skor_teks('skor_bukti') }} || ' >= ambang B '
                    || {{ skor_teks('aturan.ambang_b') }} || ', tanpa bukti dampak maupun pemborosan'
            when {{ tier }} = 'C'
                then 'skor bukti ' || {{ skor_teks('skor_bukti') }} || ' di bawah ambang B '
                    || {{ skor_teks('aturan.ambang_b') }}
                    || ': tinjau ulang (tanpa bukti pemborosan, bukan kandidat pemotongan)'
        end,
        alasan_dampak,
        case
            when ditier and coalesce(pagu_akhir_rp - pagu_dinilai_rp, 0) <> 0
                then 'Rp' || {{ angka_id('(pagu_akhir_rp - pagu_dinilai_rp) / 1000000', 0) }}
                    || ' juta ' || coalesce(jenis_tanpa_tier, 'BTT/transfer')
                    || ' di luar tier: tidak dinilai dan tidak dipotong skenario'
        end,
        case
            when ditier
                then 'angka: serapan ' || coalesce({{ angka_id('serapan_dinilai_persen', 0) }} || '%', '-')
                    || ' (skor ' || {{ skor_teks('skor_serapan') }} || ')'
                    || ', capaian keluaran '
                    || coalesce({{ angka_id('capaian_keluaran_persen', 0) }} || '%', 'tidak dihitung')
                    || ' (skor ' || {{ skor_teks('skor_capaian_keluaran') }} || ')'
                    || ', dampak outcome ' || replace(coalesce(status_dampak, 'tidak_terukur'), '_', ' ')
                    || ' (skor ' || {{ skor_teks('skor_dampak_outcome') }} || ')'
                    || ', biaya per keluaran '
                    || coalesce({{ angka_id('rasio_biaya_terhadap_median', 1) }} || ' kali median sejenis', 'tanpa pembanding')
                    || ' (skor ' || {{ skor_teks('skor_biaya_per_keluaran') }} || ')'
                    || ', kebutuhan kelurahan dilayani '
                    || coalesce('persentil ' || {{ angka_id('persentil_kebutuhan * 100', 0) }}, 'tidak berlokasi')
                    || ' (skor ' || {{ skor_teks('skor_kebutuhan_wilayah') }} || ')'
                    || ', mutu data ' || coalesce({{ angka_id('mutu_data * 100', 0) }} || '%', '-')
                    || ', skor bukti ' || {{ skor_teks('skor_bukti') }}
        end
    )
{%- endmacro %}

{#-
    The tier, its score components and its reason as both tier marts publish them (program:
    mart_prioritas_alokasi, sub kegiatan: mart_prioritas_sub_kegiatan), from a relation `r`
    that carries the scored and tiered columns: one projection, so the two marts cannot drift.
-#}
{% macro kolom_tier(r) -%}
    cast({{ r }}.tier as varchar) as tier,
    {{ r }}.ditier,
    cast({{ label_tier(r ~ '.tier') }} as varchar) as label_tier,
    cast(round({{ r }}.skor_bukti, 4) as decimal(5, 4)) as skor_bukti,
    cast({{ r }}.pagu_akhir_rp as decimal(18, 2)) as pagu_akhir_rp,
    cast({{ r }}.realisasi_rp as decimal(18, 2)) as realisasi_rp,
    {{ r }}.program_penunjang,
    {{ r }}.program_baru,
    cast({{ r }}.tahun_riwayat as integer) as tahun_riwayat,
    cast({{ r }}.serapan_persen as decimal(9, 2)) as serapan_persen,
    cast({{ r }}.serapan_dinilai_persen as decimal(9, 2)) as serapan_dinilai_persen,
    cast(round({{ r }}.skor_serapan, 4) as decimal(5, 4)) as skor_serapan,
    cast({{ r }}.capaian_keluaran_persen as decimal(12, 2)) as capaian_keluaran_persen,
    cast(round({{ r }}.skor_capaian_keluaran, 4) as decimal(5, 4)) as skor_capaian_keluaran,
    cast({{ r }}.skor_dampak as decimal(12, 2)) as skor_dampak,
    cast({{ r }}.selisih_perbaikan_outcome as decimal(18, 4)) as selisih_perbaikan_outcome,
    cast({{ r }}.jumlah_tahun_dampak as integer) as jumlah_tahun_dampak,
    cast(round({{ r }}.skor_dampak_outcome, 4) as decimal(5, 4)) as skor_dampak_outcome,
    cast({{ r }}.status_dampak as varchar) as status_dampak,
    cast(round({{ r }}.skor_biaya_per_keluaran, 4) as decimal(5, 4)) as skor_biaya_per_keluaran,
    cast(round({{ r }}.persentil_kebutuhan, 4) as decimal(5, 4)) as persentil_kebutuhan,
    cast(round({{ r }}.skor_kebutuhan_wilayah, 4) as decimal(5, 4)) as skor_kebutuhan_wilayah,
    {{ r }}.dampak_terbukti,
    {{ r }}.gagal_inti,
    cast({{ r }}.klasifikasi_kinerja as varchar) as klasifikasi_kinerja,
    cast({{ alasan_tier(r ~ '.tier') }} as varchar) as alasan
{%- endmacro %}
