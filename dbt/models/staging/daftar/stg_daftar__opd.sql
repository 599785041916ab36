{#- The OPD list of every pemda: the seed ref_opd (Samarinda) and the referensi.opd lists other
    pemda send (macro daftar_per_pemda). -#}
{{ daftar_per_pemda('ref_opd', 'opd') }}
