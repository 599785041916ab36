{#-
    Order of a budget phase within a fiscal year: murni 0, pergeseran_N N (before the perubahan),
    perubahan 99, pergeseran_perubahan_N 100 + N (a pergeseran after the perubahan). Realisasi,
    where a model lists it with the phases, sorts after all of them (1000). One rule for every
    model that needs "the latest phase".
-#}
{% macro urutan_tahap(tahap) -%}
    case
        when {{ tahap }} = 'murni' then 0
        when {{ tahap }} = 'perubahan' then 99
        when {{ tahap }} like 'pergeseran_perubahan_%'
            then 100 + cast(substr({{ tahap }}, 22) as integer)
        when {{ tahap }} like 'pergeseran%' then cast(substr({{ tahap }}, 12) as integer)
    end
{%- endmacro %}

{#-
    Pagu akhir: an OPD's final budget in a year is its DPA at the latest phase it has (by
    urutan_tahap): the perubahan, a pergeseran after it, or, for an OPD without a perubahan, its
    latest pergeseran or murni. True on the rows of that phase; `urutan` is the phase order of
    the row. The one definition every mart's pagu_akhir_rp comes from.
-#}
{% macro is_tahap_akhir(urutan, tahun='tahun', kode_skpd='kode_skpd', kode_pemda='kode_pemda') -%}
    ({{ urutan }} = max({{ urutan }}) over (
        partition by {{ kode_pemda }}, {{ tahun }}, {{ kode_skpd }}
    ))
{%- endmacro %}
