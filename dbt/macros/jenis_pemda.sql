{#- 'kota' or 'kabupaten': the kind of the kab/kota `kode_pemda` names, for the plain-language
    reasons (a kabupaten is not a kota). Kemendagri numbers a province's kota from 71 and its
    kabupaten from 01 (64.72 Kota Samarinda, 64.02 Kabupaten Kutai Kartanegara);
    tests/test_macros_pemda.py holds this rule to ref_pemda's own `jenis`. No code
    (rows built before issue 12) reads as the default pemda's kind, kota. -#}
{% macro jenis_pemda(kode_pemda) -%}
    case
        when try_cast(split_part({{ kode_pemda }}, '.', 2) as integer) < 71 then 'kabupaten'
        else 'kota'
    end
{%- endmacro %}
