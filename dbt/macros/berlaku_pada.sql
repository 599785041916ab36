{#-
    The validity rule of a code-list row (an OPD in ref_opd, a code in ref_nomenklatur): valid in
    fiscal year t from tahun_mulai, until tahun_selesai when it has one.
-#}
{% macro berlaku_pada(tahun, kode_list) -%}
    {{ tahun }} >= {{ kode_list }}.tahun_mulai
    and ({{ kode_list }}.tahun_selesai is null or {{ tahun }} <= {{ kode_list }}.tahun_selesai)
{%- endmacro %}
