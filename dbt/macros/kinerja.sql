{#-
    Thresholds of the performance and need marts, in one place (issue 3). Changing one changes
    the flags and classes of mart_kinerja_program, mart_kinerja_sub_kegiatan and
    mart_kebutuhan_wilayah; each is named in the reasons those marts print.
-#}
{% macro ambang(nama) -%}
    {%- set nilai = {
        'serapan_rendah_persen': 60,
        'serapan_tinggi_persen': 80,
        'keluaran_rendah_persen': 60,
        'capaian_maksimum_rata_rata_persen': 150,
        'rasio_biaya_tinggi': 2.0,
        'pembanding_biaya_minimum': 3,
        'batas_hari_laporan': 10,
        'kebutuhan_tinggi_persentil': 0.6,
        'layanan_rendah_indeks': 0.25,
    } -%}
    {{ nilai[nama] }}
{%- endmacro %}

{#-
    numerator / denominator × 100 as DECIMAL(12,2) for quantities with up to 4 decimals (targets
    and realisations): `persen_half_up` at four decimals.
-#}
{% macro rasio_persen(numerator, denominator) -%}
    {{ persen_half_up(numerator, denominator, desimal=4, tipe='decimal(12, 2)') }}
{%- endmacro %}

{#-
    Achievement (capaian) of an indicator, percent, Permendagri 86/2017: realisasi / target × 100
    when higher is better; (2 × target − realisasi) / target × 100 when lower is better (never
    below 0). Null when target or realisation is missing or the target is 0.
-#}
{% macro capaian_persen(realisasi, target, arah) -%}
    case
        when {{ target }} is null or {{ realisasi }} is null or {{ target }} = 0 then null
        when {{ arah }} = 'turun'
            then greatest(
                cast(0 as decimal(12, 2)),
                {{ rasio_persen('2 * ' ~ target ~ ' - ' ~ realisasi, target) }}
            )
        else {{ rasio_persen(realisasi, target) }}
    end
{%- endmacro %}

{#- A number as Indonesian text for the plain-language reasons: 1234.5 -> '1.234,5'. -#}
{% macro angka_id(expr, desimal=0) -%}
    replace(replace(replace(
        format('{:,.{{ desimal }}f}', cast({{ expr }} as double)), ',', '_'), '.', ','), '_', '.')
{%- endmacro %}
