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
        'ambang_c', 'serapan_sehat_min', 'serapan_rendah', 'serapan_lebih',
        'capaian_keluaran_buruk', 'skor_dampak_nol', 'skor_dampak_terbukti', 'tahun_tren',
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

{#- The tier, first rule that applies wins. Expects the columns program_penunjang, pagu_akhir_rp,
    jumlah_indikator_terukur, program_baru, gagal_inti, skor_bukti, mutu_data, dampak_terbukti
    and the `aturan` columns. -#}
{% macro tier_bukti() -%}
    case
        when program_penunjang then 'B'
        when coalesce(pagu_akhir_rp, 0) = 0 then 'C'
        when jumlah_indikator_terukur = 0 then 'C'
        when program_baru then 'B'
        when (gagal_inti or skor_bukti < aturan.ambang_c) and mutu_data >= aturan.mutu_data_min_d
            then 'D'
        when gagal_inti or skor_bukti < aturan.ambang_c then 'C'
        when
            skor_bukti >= aturan.ambang_a
            and mutu_data >= aturan.mutu_data_min_a
            and dampak_terbukti
            then 'A'
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
    end
{%- endmacro %}

{#- 0.8523 -> '0,85' -#}
{% macro skor_teks(x) -%}
    coalesce({{ angka_id(x, 2) }}, '-')
{%- endmacro %}

{#- Plain-Indonesian reasons: what decided the tier, then every component figure and score. -#}
{% macro alasan_tier(tier) -%}
    concat_ws(
        '; ',
        case
            when program_penunjang
                then 'program penunjang (gaji, kantor): tidak dinilai terhadap outcome, dipertahankan'
            when coalesce(pagu_akhir_rp, 0) = 0
                then 'pagu akhir 0: tidak ada belanja untuk dinilai'
            when jumlah_indikator_terukur = 0
                then 'tidak ada indikator terukur: OPD tidak melaporkan keluaran dengan target dan realisasi berupa angka'
            when program_baru
                then 'program baru, belum ada riwayat (' || tahun_riwayat || ' tahun berpagu)'
        end,
        case
            when
                {{ tier }} in ('C', 'D')
                and not program_penunjang
                and coalesce(pagu_akhir_rp, 0) <> 0
                and jumlah_indikator_terukur > 0
                and not program_baru
                then concat_ws(
                        '; ',
                        case
                            when skor_serapan = 0
                                then 'uang tidak terserap: serapan '
                                    || {{ angka_id('serapan_persen', 0) }} || '% (skor serapan 0)'
                        end,
                        case
                            when skor_capaian_keluaran = 0
                                then 'keluaran tidak tercapai: capaian keluaran '
                                    || {{ angka_id('capaian_keluaran_persen', 0) }}
                                    || '% (skor keluaran 0)'
                        end,
                        case
                            when skor_dampak_outcome = 0
                                then 'outcome di kelurahan sasaran tidak membaik lebih dari variasi wajar (rata-rata skor dampak '
                                    || {{ angka_id('skor_dampak_rata_rata', 1) }} || ')'
                        end,
                        case
                            when skor_bukti < aturan.ambang_c
                                then 'skor bukti ' || {{ skor_teks('skor_bukti') }}
                                    || ' di bawah ambang D ' || {{ skor_teks('aturan.ambang_c') }}
                        end,
                        case
                            when mutu_data < aturan.mutu_data_min_d
                                then 'mutu data ' || {{ angka_id('mutu_data * 100', 0) }}
                                    || '% di bawah ' || {{ angka_id('aturan.mutu_data_min_d * 100', 0) }}
                                    || '%: belum cukup untuk kandidat pemotongan, tinjau ulang'
                        end,
                        case
                            when
                                {{ tier }} = 'C'
                                and not gagal_inti
                                and skor_bukti >= aturan.ambang_c
                                then 'skor bukti ' || {{ skor_teks('skor_bukti') }}
                                    || ' di bawah ambang B ' || {{ skor_teks('aturan.ambang_b') }}
                        end
                    )
        end,
        case
            when {{ tier }} = 'A'
                then 'skor bukti ' || {{ skor_teks('skor_bukti') }} || ' >= ambang A '
                    || {{ skor_teks('aturan.ambang_a') }} || ', dampak outcome terbukti, mutu data '
                    || {{ angka_id('mutu_data * 100', 0) }} || '%'
            when
                {{ tier }} = 'B'
                and not program_penunjang
                and not program_baru
                then 'skor bukti ' || {{ skor_teks('skor_bukti') }} || ' >= ambang B '
                    || {{ skor_teks('aturan.ambang_b') }}
                    || case
                        when skor_bukti >= aturan.ambang_a and not dampak_terbukti
                            then ', belum A: dampak outcome belum terbukti'
                        when skor_bukti >= aturan.ambang_a and mutu_data < aturan.mutu_data_min_a
                            then ', belum A: mutu data ' || {{ angka_id('mutu_data * 100', 0) }}
                                || '% di bawah ' || {{ angka_id('aturan.mutu_data_min_a * 100', 0) }} || '%'
                        else ''
                    end
        end,
        'angka: serapan ' || coalesce({{ angka_id('serapan_persen', 0) }} || '%', '-')
            || ' (skor ' || {{ skor_teks('skor_serapan') }} || ')'
            || ', capaian keluaran '
            || coalesce({{ angka_id('capaian_keluaran_persen', 0) }} || '%', 'tidak dihitung')
            || ' (skor ' || {{ skor_teks('skor_capaian_keluaran') }} || ')'
            || ', dampak outcome '
            || coalesce(
                'rata-rata skor dampak ' || {{ angka_id('skor_dampak_rata_rata', 1) }} || ' dari '
                || jumlah_tahun_dampak || ' tahun',
                'tidak terukur'
            )
            || ' (skor ' || {{ skor_teks('skor_dampak_outcome') }} || ')'
            || ', biaya per keluaran '
            || coalesce({{ angka_id('rasio_biaya_terhadap_median', 1) }} || ' kali median sejenis', 'tanpa pembanding')
            || ' (skor ' || {{ skor_teks('skor_biaya_per_keluaran') }} || ')'
            || ', kebutuhan kelurahan dilayani '
            || coalesce('persentil ' || {{ angka_id('persentil_kebutuhan * 100', 0) }}, 'tidak berlokasi')
            || ' (skor ' || {{ skor_teks('skor_kebutuhan_wilayah') }} || ')'
            || ', mutu data ' || coalesce({{ angka_id('mutu_data * 100', 0) }} || '%', '-')
            || ', skor bukti ' || {{ skor_teks('skor_bukti') }}
    )
{%- endmacro %}
