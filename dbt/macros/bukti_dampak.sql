{#-
    The words of the outcome-effect verdict (int_program_outcome_compared, mart_kinerja_program,
    repeated by mart_prioritas_alokasi): one sentence per program-year built from the very columns
    the verdict is decided on, so the story cannot drift from the figure. Signs are stated from the
    rounded figure itself ('+0,85 poin, lebih baik' / '-0,40 poin, lebih buruk'); tests check it.
    The word "terbukti" is never used: an interval above zero is evidence, not proof.
-#}

{% macro aturan_dampak(nama) -%}
    (
        select max(cast(nilai as double)) from {{ ref('ref_aturan_dampak') }}
        where kode_parameter = '{{ nama }}'
    )
{%- endmacro %}

{#- A signed figure as Indonesian text, rounded first:
    0.846 -> '+0,85', -0.4 -> '-0,40', 0 -> '0,00'. -#}
{% macro angka_bertanda(x, desimal=2) -%}
    case
        when {{ x }} is null then null
        when round({{ x }}, {{ desimal }}) > 0 then '+' || {{ angka_id('round(' ~ x ~ ', ' ~ desimal ~ ')', desimal) }}
        when round({{ x }}, {{ desimal }}) < 0 then {{ angka_id('round(' ~ x ~ ', ' ~ desimal ~ ')', desimal) }}
        else {{ angka_id('0', desimal) }}
    end
{%- endmacro %}

{#- 'lebih baik' / 'lebih buruk' / 'sama' from the sign of the rounded figure. -#}
{% macro arah_selisih(x, desimal=2) -%}
    case
        when {{ x }} is null then null
        when round({{ x }}, {{ desimal }}) > 0 then 'lebih baik'
        when round({{ x }}, {{ desimal }}) < 0 then 'lebih buruk'
        else 'sama'
    end
{%- endmacro %}

{#- The effect sentence of one program-year; `r` is the relation holding the columns of
    int_program_outcome_compared (with nama_indikator_outcome). Null when there is no effect
    evidence to speak of (the caller says why). -#}
{% macro alasan_dampak(r) -%}
    {%- set selisih -%}
        'selisih ' || {{ angka_bertanda(r ~ '.selisih_perbaikan') }} || ' poin ('
        || {{ arah_selisih(r ~ '.selisih_perbaikan') }}
        || ' daripada perkiraan dari kondisi awalnya; rentang '
        || {{ angka_id(aturan_dampak('tingkat_keyakinan') ~ ' * 100', 0) }} || '%: '
        || {{ angka_bertanda(r ~ '.selisih_batas_bawah') }} || ' s.d. '
        || {{ angka_bertanda(r ~ '.selisih_batas_atas') }} || ' poin, '
        || {{ r }}.jumlah_kelurahan_pembanding || ' kelurahan pembanding tanpa program lain)'
    {%- endset -%}
    {%- set bersama -%}
        case
            when {{ r }}.jumlah_kelurahan_bersama > 0
                then '; ' || {{ r }}.jumlah_kelurahan_bersama
                    || ' di antaranya juga dibiayai program ' || {{ r }}.program_bersama
                    || ', dihitung setelah rata-rata dampak program lain dikurangkan'
            else ''
        end
    {%- endset -%}
    {%- set sasaran -%}
        {{ r }}.nama_indikator_outcome || ' di ' || {{ r }}.jumlah_kelurahan_sasaran
        || ' kelurahan sasaran (Rp' || {{ angka_id(r ~ '.belanja_sasaran_rp / 1000000', 0) }}
        || ' juta, belanja ' || case
            when {{ r }}.tahun_belanja_awal = {{ r }}.tahun_belanja_akhir
                then cast({{ r }}.tahun_belanja_awal as varchar)
            else {{ r }}.tahun_belanja_awal || '-' || {{ r }}.tahun_belanja_akhir
        end || {{ bersama }} || ')'
    {%- endset -%}
    case
        when {{ r }}.status_dampak = 'berdampak'
            then {{ sasaran }} || ' membaik lebih cepat daripada kelurahan pembanding berkondisi awal serupa: '
                || {{ selisih }} || '; seluruh rentang di atas 0: dampak terlihat'
        when {{ r }}.status_dampak = 'tidak_berdampak'
            then {{ sasaran }} || ': ' || {{ selisih }}
                || '; seluruh rentang di bawah dampak bermakna '
                || {{ angka_id(r ~ '.efek_bermakna', 2) }} || ' poin: bukti tidak berdampak'
        when {{ r }}.status_dampak = 'belum_cukup_bukti'
            then 'belum cukup bukti dampak pada ' || {{ r }}.nama_indikator_outcome || ': '
                || case {{ r }}.kekurangan_bukti
                    when 'kelurahan_sasaran_kurang'
                        then 'hanya ' || {{ r }}.jumlah_kelurahan_sasaran
                            || ' kelurahan sasaran (minimum '
                            || {{ angka_id(aturan_dampak('kelurahan_sasaran_min'), 0) }} || ')'
                            || case
                                when {{ r }}.jumlah_kelurahan_bersama > 0
                                    then '; ' || {{ r }}.jumlah_kelurahan_bersama
                                        || ' di antaranya juga dibiayai program '
                                        || {{ r }}.program_bersama
                                else ''
                            end
                    when 'belanja_kurang'
                        then 'belanja di kelurahan sasaran Rp'
                            || {{ angka_id(r ~ '.belanja_sasaran_rp / 1000000', 0) }}
                            || ' juta (minimum Rp'
                            || {{ angka_id(aturan_dampak('belanja_sasaran_min_rp') ~ ' / 1000000', 0) }}
                            || ' juta)'
                    when 'pembanding_kurang'
                        then 'hanya ' || {{ r }}.jumlah_kelurahan_pembanding
                            || ' kelurahan pembanding tanpa program lain (minimum '
                            || {{ angka_id(aturan_dampak('kelurahan_pembanding_min'), 0) }} || ')'
                    else 'rentang memuat 0 dan dampak bermakna '
                        || {{ angka_id(r ~ '.efek_bermakna', 2) }}
                        || ' poin: belum dapat disimpulkan berdampak atau tidak (bukan berarti gagal)'
                end
                || coalesce('; ' || {{ selisih }}, '')
        when {{ r }}.jumlah_kelurahan_berjeda > 0
            then 'belanja modal di ' || {{ r }}.jumlah_kelurahan_berjeda
                || ' kelurahan dinilai terhadap perubahan ' || {{ r }}.nama_indikator_outcome
                || ' tahun ' || ({{ r }}.tahun + 1)
                || ' (jeda dampak belanja modal, ref_belanja_bukti); tahun ini belum ada belanja yang dapat dinilai'
    end
{%- endmacro %}
